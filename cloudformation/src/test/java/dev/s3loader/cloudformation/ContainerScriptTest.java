package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scripts/container --push to ECR, without building: a fake {@code mvn} records its arguments and
 * the registry credentials it was given, and answers a digest as Jib does; a fake {@code aws}
 * answers the ECR password. (ContainerPushTest pushes for real, to a loopback registry.)
 */
class ContainerScriptTest {
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String FAKE_MVN = """
            #!/usr/bin/env bash
            printf '%s\\n' "$@" > "$FAKE_STATE/mvn-args"
            printf '%s:%s\\n' "${S3LOADER_REGISTRY_USERNAME:-}" "${S3LOADER_REGISTRY_PASSWORD:-}" > "$FAKE_STATE/mvn-credentials"
            mkdir -p loader/target && printf '%s' "$FAKE_DIGEST" > loader/target/jib-image.digest
            """;
    private static final String FAKE_AWS = """
            #!/usr/bin/env bash
            printf '%s\\n' "$*" >> "$FAKE_STATE/aws-calls"
            case "$1 $2" in
              "ecr get-login-password") echo 'the-ecr-password' ;;
            esac
            """;

    @TempDir
    Path tmp;
    private Path state;
    private String path;

    @BeforeEach
    void setUp() throws Exception {
        state = Files.createDirectory(tmp.resolve("state"));
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        for (var tool : Map.of("mvn", FAKE_MVN, "aws", FAKE_AWS).entrySet()) {
            Files.writeString(bin.resolve(tool.getKey()), tool.getValue());
            Files.setPosixFilePermissions(bin.resolve(tool.getKey()), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        path = bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    }

    @Test
    void push_toEcr_passesThePasswordInTheEnvironment_andRecordsTheImageByDigest() throws Exception {
        Result r = container("--push", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader:0.1.0");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(Files.readString(state.resolve("aws-calls"))).contains("ecr get-login-password --region eu-west-1");
        List<String> args = Files.readAllLines(state.resolve("mvn-args"));
        assertThat(args).contains("-Pcontainer,container-push", "-Djib.to.image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader:0.1.0")
                .noneMatch(a -> a.contains("the-ecr-password")).noneMatch(a -> a.contains("allowInsecureRegistries"));
        assertThat(Files.readString(state.resolve("mvn-credentials")).strip()).isEqualTo("AWS:the-ecr-password");
        String uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/s3loader-loader@" + DIGEST;
        assertThat(r.out).contains("ContainerImageUri=" + uri);
        assertThat(Files.readString(tmp.resolve("image.env"))).isEqualTo("ContainerImageUri=" + uri + "\n");
    }

    @Test
    void push_toAChinaRegistry_asksThatRegionsEcr() throws Exception {
        Result r = container("--push", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/s3loader-loader:1");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(Files.readString(state.resolve("aws-calls"))).contains("ecr get-login-password --region cn-north-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3loader-loader:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/s3loader-loader",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/s3loader-loader@sha256:0123"})
    void push_withoutRegistryOrTag_orByDigest_isAUsageError(String image) throws Exception {
        Result r = container("--push", image);

        assertThat(r.exit).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("--push");
        assertThat(state.resolve("mvn-args")).doesNotExist();
    }

    @Test
    void push_withoutADigestFromJib_fails() throws Exception {
        Result r = container(Map.of("FAKE_DIGEST", ""), "--push", "127.0.0.1:5000/s3loader-loader:1");

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("Jib reported no digest");
        assertThat(Files.readAllLines(state.resolve("mvn-args"))).contains("-Djib.allowInsecureRegistries=true");
        assertThat(tmp.resolve("image.env")).doesNotExist();
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Result container(String... args) throws Exception {
        return container(Map.of(), args);
    }

    private Result container(Map<String, String> extra, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Repo.path("scripts", "container").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(Map.of("PATH", path, "HOME", tmp.toString(), "LANG", "C.UTF-8", "FAKE_STATE", state.toString(),
                "FAKE_DIGEST", DIGEST, "S3LOADER_IMAGE_FILE", tmp.resolve("image.env").toString()));
        env.putAll(extra);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("scripts/container did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
