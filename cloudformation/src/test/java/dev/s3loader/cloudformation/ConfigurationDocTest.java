package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * One source for configuration: every environment variable the code reads is in
 * docs/configuration.md with its default (and a default the code gives as a literal is the one a row
 * shows), and every variable there is one the code reads; every
 * template parameter is in docs/deploy.md's parameter tables with its default, and every row there
 * is a parameter. The variables are found in the sources of every module (see {@link EnvReads}), not
 * in a list kept here; the shell scripts' {@code ${NAME:-default}} reads count too.
 */
class ConfigurationDocTest {
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @Test
    void everyVariableTheCodeReads_isDocumentedWithItsDefault_andEveryDocumentedOneIsRead() throws IOException {
        Map<String, Set<String>> read = EnvReads.inSources(Repo.root());
        Map<String, Documented> documented = documented(new Markdown(Repo.path("docs", "configuration.md")),
                List.of("variable", "default", "meaning"));

        Map<String, Set<String>> undocumented = new TreeMap<>(read);
        undocumented.keySet().removeAll(documented.keySet());
        Set<String> unread = new TreeSet<>(documented.keySet());
        unread.removeAll(read.keySet());
        List<String> withoutDefault = documented.values().stream().filter(d -> d.defaultCell().isBlank())
                .map(d -> d.name() + " (line " + d.line() + ")").toList();
        // A default the code spells out as a literal (env.integer("X", 5, ...), Duration.ofSeconds(60),
        // getOrDefault("X", "1000")) is the default of one of the variable's rows (scripts/local's may differ).
        List<Documented> rows = rows(new Markdown(Repo.path("docs", "configuration.md")), List.of("variable", "default", "meaning"));
        List<String> otherDefaults = new ArrayList<>();
        EnvReads.literalDefaults(Repo.root()).forEach((name, values) -> values.forEach((value, where) -> {
            if (documented.containsKey(name) && rows.stream().noneMatch(d -> d.name().equals(name)
                    && d.defaultCell().contains("`" + value + "`"))) {
                otherDefaults.add(name + ": " + where + " reads it with the default " + value + ", docs/configuration.md says "
                        + rows.stream().filter(d -> d.name().equals(name)).map(Documented::defaultCell).toList());
            }
        }));

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(read.keySet()).as("the scan finds the functions' configuration (a check of the scan itself)")
                    .contains("BUCKET", "QUEUE_URL", "DB_URL", "PROCESSED_KEY_TEMPLATE", "BATCH_SIZE");
            soft.assertThat(undocumented).as("variables the code reads (and where) that docs/configuration.md does not document")
                    .isEmpty();
            soft.assertThat(unread).as("variables in docs/configuration.md that no code reads").isEmpty();
            soft.assertThat(withoutDefault).as("rows of docs/configuration.md without a default").isEmpty();
            soft.assertThat(otherDefaults).as("defaults in the code that docs/configuration.md does not show").isEmpty();
        });
    }

    @Test
    void everyTemplateParameter_isDocumentedWithItsDefault_andEveryRowIsAParameter() {
        CfnTemplate t = CfnTemplate.main();
        Map<String, Documented> documented = documented(new Markdown(Repo.path("docs", "deploy.md")),
                List.of("parameter", "default", "meaning"));

        Set<String> undocumented = new TreeSet<>(t.parameters().keySet());
        undocumented.removeAll(documented.keySet());
        Set<String> unknown = new TreeSet<>(documented.keySet());
        unknown.removeAll(t.parameters().keySet());
        List<String> wrongDefaults = new ArrayList<>();
        for (Documented d : documented.values()) {
            if (!t.parameters().containsKey(d.name())) {
                continue;
            }
            Object value = t.parameter(d.name()).get("Default");
            String expected = value == null ? "" : CfnEvaluator.scalar(value);
            // An empty default may be described ("empty", "the stack name"); any other is shown as it is.
            if (expected.isEmpty() ? d.defaultCell().isBlank() : !d.defaultCell().contains("`" + expected + "`")) {
                wrongDefaults.add(d.name() + " (line " + d.line() + "): the template's default is '" + expected
                        + "', the table says '" + d.defaultCell() + "'");
            }
        }

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(undocumented).as("template parameters docs/deploy.md's parameter tables do not document").isEmpty();
            soft.assertThat(unknown).as("rows of docs/deploy.md's parameter tables that are not template parameters").isEmpty();
            soft.assertThat(wrongDefaults).as("defaults in docs/deploy.md that are not the template's").isEmpty();
        });
    }

    record Documented(String name, String defaultCell, int line) {
    }

    /**
     * The rows of every table with that header; a row's first cell names one or more variables in
     * code spans ({@code `A`, `B`}). A row naming no variable (e.g. "any variable of ...") is prose.
     */
    static Map<String, Documented> documented(Markdown page, List<String> header) {
        Map<String, Documented> out = new LinkedHashMap<>();
        rows(page, header).forEach(d -> out.putIfAbsent(d.name(), d));
        return out;
    }

    /** Every row of every table with that header, once per variable it names. */
    static List<Documented> rows(Markdown page, List<String> header) {
        List<Documented> out = new ArrayList<>();
        List<Markdown.Table> tables = page.tables(header);
        assertThat(tables).as("tables headed %s in %s", header, page.path).isNotEmpty();
        for (Markdown.Table table : tables) {
            for (Markdown.Row row : table.rows()) {
                Matcher m = CODE.matcher(row.cells().get(0));
                while (m.find()) {
                    if (NAME.matcher(m.group(1)).matches() || header.get(0).equals("parameter")) {
                        out.add(new Documented(m.group(1), row.cells().get(1), row.line()));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The environment variables the Java code reads, found in every module's {@code src/main/java}.
     * A read is one of: {@code System.getenv("X")}; an accessor of {@code dev.s3loader.model.Env}
     * (its public methods taking the name first, found by reflection) called with {@code "X"} or a
     * constant holding it; {@code get}/{@code getOrDefault}/{@code containsKey} of {@code "X"} on an
     * environment map (a name containing {@code env}); {@code "X"} passed to a call together with such a
     * map ({@code value(env, "X")}); {@code "X"} passed as a parameter named {@code ...Variable}; and
     * the names of the {@code VARIABLES} description maps of the configuration records.
     */
    static final class EnvReads {
        private static final String LITERAL = "\"([A-Z][A-Z0-9_]*)\"";
        private static final String NAME_OR_CONSTANT = "(\"[A-Z][A-Z0-9_]*\"|(?:[A-Za-z_]\\w*\\.)*[A-Z][A-Z0-9_]*\\b)";

        /** Every module's main sources, by path. */
        static Map<Path, String> sources(Path root) throws IOException {
            Map<Path, String> sources = new TreeMap<>();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".java"))
                        .filter(f -> root.relativize(f).toString().replace('\\', '/').matches("[^/]+/src/main/java/.*"))
                        .toList()) {
                    sources.put(p, Files.readString(p, StandardCharsets.UTF_8));
                }
            }
            return sources;
        }

        static Map<String, Set<String>> inSources(Path root) throws IOException {
            Map<Path, String> sources = sources(root);
            Map<String, String> constants = constants(sources);
            Map<String, Set<String>> out = new TreeMap<>();
            String accessors = Arrays.stream(dev.s3loader.model.Env.class.getMethods())
                    .filter(m -> m.getDeclaringClass() == dev.s3loader.model.Env.class && !Modifier.isStatic(m.getModifiers()))
                    .filter(m -> m.getParameterCount() > 0 && m.getParameterTypes()[0] == String.class)
                    .map(Method::getName).distinct().collect(Collectors.joining("|"));
            List<Pattern> named = List.of(
                    Pattern.compile("System\\.getenv\\(\\s*" + NAME_OR_CONSTANT),
                    Pattern.compile("\\.(?:" + accessors + ")\\(\\s*" + NAME_OR_CONSTANT),
                    Pattern.compile("\\b\\w*[eE]nv\\w*(?:\\(\\))?\\.(?:get|getOrDefault|containsKey)\\(\\s*" + NAME_OR_CONSTANT));
            for (Map.Entry<Path, String> source : sources.entrySet()) {
                String where = root.relativize(source.getKey()).toString();
                String text = source.getValue();
                String className = source.getKey().getFileName().toString().replace(".java", "");
                for (Pattern p : named) {
                    Matcher m = p.matcher(text);
                    while (m.find()) {
                        String name = resolve(m.group(1), className, constants);
                        if (name != null) {
                            out.computeIfAbsent(name, k -> new TreeSet<>()).add(where);
                        }
                    }
                }
                Matcher withEnv = Pattern.compile("\\b\\w+\\(([^()]*\\b\\w*env\\w*\\b[^()]*)\\)").matcher(text);
                while (withEnv.find()) {
                    Matcher literal = Pattern.compile(LITERAL).matcher(withEnv.group(1));
                    while (literal.find()) {
                        out.computeIfAbsent(literal.group(1), k -> new TreeSet<>()).add(where);
                    }
                }
                variableParameters(text).forEach((method, positions) -> {
                    Matcher call = Pattern.compile("\\b" + method + "\\(").matcher(text);
                    while (call.find()) {
                        List<String> args = arguments(text, call.end());
                        for (int i : positions) {
                            if (i < args.size() && args.get(i).matches(LITERAL)) {
                                out.computeIfAbsent(args.get(i).substring(1, args.get(i).length() - 1), k -> new TreeSet<>())
                                        .add(where);
                            }
                        }
                    }
                });
                if (text.contains("Map<String, String> VARIABLES")) {
                    Matcher described = Pattern.compile("(?:Map\\.entry|\\bv\\.put)\\(\\s*" + LITERAL).matcher(text);
                    while (described.find()) {
                        out.computeIfAbsent(described.group(1), k -> new TreeSet<>()).add(where + " (VARIABLES)");
                    }
                }
            }
            for (Path script : scripts(root)) {
                Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):?-").matcher(Files.readString(script, StandardCharsets.UTF_8));
                while (m.find()) {
                    out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(root.relativize(script).toString());
                }
            }
            return out;
        }

        /**
         * The shell scripts, whose reads of the environment are {@code ${NAME:-default}} (a variable
         * the script sets itself is read as {@code $NAME}).
         */
        static List<Path> scripts(Path root) throws IOException {
            List<Path> out = new ArrayList<>(List.of(root.resolve("cloudformation/script-common.sh"),
                    root.resolve("cloudformation/lint"), root.resolve(".ci/run")));
            try (Stream<Path> files = Files.list(root.resolve("scripts"))) {
                files.filter(Files::isRegularFile).sorted().forEach(out::add);
            }
            return out;
        }

        /**
         * The defaults the code gives as literals, name -> value -> where: the second argument of an
         * {@code Env} accessor or of {@code getOrDefault} when it is a number, a boolean, a non-empty string
         * or a {@code Duration.ofX(n)} (in the accessor's unit).
         */
        static Map<String, Map<String, String>> literalDefaults(Path root) throws IOException {
            Map<String, Map<String, String>> out = new TreeMap<>();
            Pattern call = Pattern.compile("\\.(seconds|minutes|integer|longValue|string|bool|prefix|getOrDefault)\\(\\s*" + LITERAL
                    + ",\\s*([^,()]+(?:\\([^()]*\\))?)\\s*[,)]");
            for (Map.Entry<Path, String> source : sources(root).entrySet()) {
                Matcher m = call.matcher(source.getValue());
                while (m.find()) {
                    String value = literal(m.group(3).strip(), m.group(1));
                    if (value != null) {
                        out.computeIfAbsent(m.group(2), k -> new TreeMap<>())
                                .putIfAbsent(value, root.relativize(source.getKey()).toString());
                    }
                }
            }
            return out;
        }

        private static String literal(String fallback, String accessor) {
            if (fallback.matches("-?[0-9][0-9_]*L?")) {
                return fallback.replace("_", "").replace("L", "");
            }
            if (fallback.equals("true") || fallback.equals("false")) {
                return fallback;
            }
            if (fallback.matches("\"[^\"\\\\]+\"")) {
                return fallback.substring(1, fallback.length() - 1);
            }
            Matcher duration = Pattern.compile("Duration\\.of(Seconds|Minutes|Hours)\\(([0-9_]+)\\)").matcher(fallback);
            if (duration.matches()) {
                long n = Long.parseLong(duration.group(2).replace("_", ""));
                java.time.Duration d = switch (duration.group(1)) {
                    case "Seconds" -> java.time.Duration.ofSeconds(n);
                    case "Minutes" -> java.time.Duration.ofMinutes(n);
                    default -> java.time.Duration.ofHours(n);
                };
                return String.valueOf(accessor.equals("minutes") ? d.toMinutes() : d.toSeconds());
            }
            return fallback.equals("Duration.ZERO") ? "0" : null;
        }

        /** {@code static final String NAME = "X";} by "Class.NAME". */
        private static Map<String, String> constants(Map<Path, String> sources) {
            Map<String, String> out = new HashMap<>();
            Pattern constant = Pattern.compile("static final String ([A-Z][A-Z0-9_]*) = " + LITERAL + ";");
            sources.forEach((path, text) -> {
                Matcher m = constant.matcher(text);
                while (m.find()) {
                    out.put(path.getFileName().toString().replace(".java", "") + "." + m.group(1), m.group(2));
                }
            });
            return out;
        }

        private static String resolve(String token, String className, Map<String, String> constants) {
            if (token.startsWith("\"")) {
                return token.substring(1, token.length() - 1);
            }
            String[] parts = token.split("\\.");
            String name = parts[parts.length - 1];
            String owner = parts.length > 1 ? parts[parts.length - 2] : className;
            return constants.get(owner + "." + name);
        }

        /** Methods declared here with String parameters named {@code variable} or {@code ...Variable}, by position. */
        private static Map<String, List<Integer>> variableParameters(String text) {
            Map<String, List<Integer>> out = new HashMap<>();
            Matcher m = Pattern.compile("(\\w+)\\s*\\(([^()]*)\\)\\s*(?:throws [^{;]*)?\\{").matcher(text);
            while (m.find()) {
                String[] params = m.group(2).isBlank() ? new String[0] : m.group(2).split(",");
                for (int i = 0; i < params.length; i++) {
                    if (params[i].strip().matches("(?:final )?String \\w*[vV]ariable")) {
                        out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(i);
                    }
                }
            }
            return out;
        }

        /** The top-level arguments of the call whose '(' ends just before {@code from}. */
        private static List<String> arguments(String text, int from) {
            List<String> out = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            int depth = 0;
            for (int i = from; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ')' && depth == 0) {
                    out.add(current.toString().strip());
                    return out;
                }
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                if (c == ',' && depth == 0) {
                    out.add(current.toString().strip());
                    current.setLength(0);
                } else {
                    current.append(c);
                }
            }
            return out;
        }
    }
}
