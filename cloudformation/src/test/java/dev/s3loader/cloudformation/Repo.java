package dev.s3loader.cloudformation;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the repository; the tests run with the module directory as working directory. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        String configured = System.getProperty("s3loader.root");
        Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("cloudformation"))) {
            throw new IllegalStateException("not the repository root (no cloudformation/ in it): " + root);
        }
        return root;
    }

    static Path path(String first, String... more) {
        return root().resolve(Path.of(first, more));
    }
}
