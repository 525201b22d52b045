package dev.s3loader.cloudformation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The compiled code the template deploys: the shaded Lambda jars the lister and loader modules
 * build (the reactor builds them before this module, which depends on them for that reason).
 */
final class CodeJars {
    /** Only the project's own classes are scanned; the SDK and other libraries inside the jars are not. */
    static final String PROJECT_PACKAGE = "dev/s3loader/";

    private CodeJars() {
    }

    static Path listerJar() {
        return Repo.path("lister", "target", "s3loader-lister.jar");
    }

    static Path loaderJar() {
        return Repo.path("loader", "target", "s3loader-loader.jar");
    }

    /** The jar a handler class ships in, by its package. */
    static Path jarFor(String handlerClass) {
        if (handlerClass.startsWith("dev.s3loader.lister.")) {
            return listerJar();
        }
        if (handlerClass.startsWith("dev.s3loader.loader.")) {
            return loaderJar();
        }
        throw new AssertionError("no jar known for handler class " + handlerClass + ": add it to CodeJars.jarFor");
    }

    /** Every class of the jar (internal name to bytes), or a failure saying the jar is not built. */
    static Map<String, byte[]> classes(Path jar) {
        return classes(jar, "");
    }

    static Map<String, byte[]> classes(Path jar, String prefix) {
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("jar not built: " + jar + " does not exist. Build it first: 'mvn verify' from the "
                    + "repository root builds the lister and loader before this module (or 'mvn -pl lister,loader -am package').");
        }
        Map<String, byte[]> out = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                if (name.endsWith(".class") && name.startsWith(prefix) && !name.startsWith("META-INF/")) {
                    try (var in = zip.getInputStream(e)) {
                        out.put(name.substring(0, name.length() - ".class".length()), in.readAllBytes());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
        return out;
    }

    /** The classes under a directory of compiled classes (the scanner's test fixtures). */
    static Map<String, byte[]> classesIn(Path dir, String prefix) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                if (rel.endsWith(".class") && rel.startsWith(prefix)) {
                    out.put(rel.substring(0, rel.length() - ".class".length()), Files.readAllBytes(f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        return out;
    }
}
