package dev.s3loader.loader.destination.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test JVM with the JDK's keytool: its certificate, a
 * server certificate it signed for 127.0.0.1, that certificate's key (PKCS#8 PEM, as PostgreSQL
 * reads it), and a second CA that signed nothing, to be refused.
 */
final class TestPki {
    private static final String PASS = "changeit";
    final Path ca;
    final Path wrongCa;
    final Path serverCertificate;
    final Path serverKey;

    private TestPki(Path dir) throws Exception {
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=s3loader test CA", "-ext", "bc:c", "-validity", "3", "-keystore", "ca.p12");
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        keytool(dir, "-genkeypair", "-alias", "other", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=s3loader test CA", "-ext", "bc:c", "-validity", "3", "-keystore", "other.p12");
        keytool(dir, "-exportcert", "-rfc", "-alias", "other", "-keystore", "other.p12", "-file", "other-ca.pem");
        keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-validity", "3", "-keystore", "server.p12");
        keytool(dir, "-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
        keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile", "server.crt",
                "-rfc", "-validity", "3", "-ext", "san=ip:127.0.0.1", "-ext", "ku=digitalSignature",
                "-ext", "eku=serverAuth");
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            server.load(in, PASS.toCharArray());
        }
        PrivateKey key = (PrivateKey) server.getKey("server", PASS.toCharArray());
        Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        this.ca = dir.resolve("ca.pem");
        this.wrongCa = dir.resolve("other-ca.pem");
        this.serverCertificate = dir.resolve("server.crt");
        this.serverKey = dir.resolve("server.key");
    }

    static TestPki create() {
        try {
            return new TestPki(Files.createTempDirectory("s3loader-pki"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test certificates with keytool", e);
        }
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", PASS, "-keypass", PASS, "-storetype", "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
