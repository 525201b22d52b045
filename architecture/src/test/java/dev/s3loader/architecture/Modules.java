package dev.s3loader.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The build's modules as the root pom lists them, each with its compiled class folders, and what
 * package a class belongs to. Read from the tree, so a module added to the root pom is checked
 * without a change here.
 */
final class Modules {
    static final Path ROOT = Path.of(System.getProperty("s3loader.root", "..")).toAbsolutePath().normalize();
    /** This check's own module: it has no classes to check and depends on all the others. */
    static final String SELF = "architecture";
    /**
     * Modules whose packages sit inside another module's tree: the Redshift Data API emulator
     * ({@code dev.s3loader.embedded.redshift}) is a module of its own, apart from {@code embedded}.
     */
    static final List<String> NESTED_MODULE_PACKAGES = List.of("dev.s3loader.embedded.redshift");

    private Modules() {
    }

    /** One module: its folder, its artifactId, and where Maven compiled its main and test classes. */
    record Module(String dir, String artifactId) {
        Path classes() {
            return ROOT.resolve(dir).resolve("target/classes");
        }

        Path testClasses() {
            return ROOT.resolve(dir).resolve("target/test-classes");
        }

        Path sources() {
            return ROOT.resolve(dir).resolve("src");
        }
    }

    /** Every module of the root pom except this one. */
    static List<Module> checked() {
        List<Module> out = new ArrayList<>();
        for (String dir : texts(document(ROOT.resolve("pom.xml")), "modules", "module")) {
            if (!dir.equals(SELF)) {
                out.add(new Module(dir, artifactId(ROOT.resolve(dir).resolve("pom.xml"))));
            }
        }
        return out;
    }

    /** The artifactIds this module's pom depends on (what orders the reactor before this check). */
    static Set<String> dependenciesOfThisCheck() {
        Element project = document(ROOT.resolve(SELF).resolve("pom.xml"));
        Set<String> out = new LinkedHashSet<>();
        for (Element deps : children(project, "dependencies")) {
            for (Element dep : children(deps, "dependency")) {
                children(dep, "artifactId").forEach(a -> out.add(a.getTextContent().trim()));
            }
        }
        return out;
    }

    /**
     * The module a package belongs to, by package: {@code dev.s3loader.X} for everything under it,
     * except the packages of {@link #NESTED_MODULE_PACKAGES}, which are modules of their own.
     */
    static String moduleOf(String packageName) {
        for (String nested : NESTED_MODULE_PACKAGES) {
            if (packageName.equals(nested) || packageName.startsWith(nested + ".")) {
                return nested;
            }
        }
        String[] parts = packageName.split("\\.");
        return parts.length >= 3 ? parts[0] + "." + parts[1] + "." + parts[2] : packageName;
    }

    /** Whether a package is some module's implementation: an {@code internal} segment anywhere in it. */
    static boolean isInternal(String packageName) {
        return packageName.startsWith("dev.s3loader.") && (packageName + ".").contains(".internal.");
    }

    static List<Path> javaSources(Module m) {
        if (!Files.isDirectory(m.sources())) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(m.sources())) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String artifactId(Path pom) {
        List<Element> ids = children(document(pom), "artifactId");
        if (ids.isEmpty()) {
            throw new IllegalStateException(pom + " has no artifactId of its own");
        }
        return ids.get(0).getTextContent().trim();
    }

    private static List<String> texts(Element project, String list, String item) {
        List<String> out = new ArrayList<>();
        for (Element l : children(project, list)) {
            children(l, item).forEach(e -> out.add(e.getTextContent().trim()));
        }
        return out;
    }

    /** Direct children only: a pom's own artifactId, not its parent's or a dependency's. */
    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element document(Path pom) {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + pom + ": " + e.getMessage(), e);
        }
    }
}
