package dev.s3loader.cloudformation;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A CloudFormation template read as plain maps and lists, with every short-form tag
 * ({@code !Ref x}, {@code !GetAtt a.b}, {@code !Sub ...}) turned into its long form
 * ({@code {Ref: x}}, {@code {Fn::GetAtt: [a, b]}}, {@code {Fn::Sub: ...}}), as CloudFormation does.
 * Duplicate keys are rejected, as CloudFormation rejects them.
 */
final class CfnTemplate {
    /** Short-form function tags: {@code !Name} stands for {@code Fn::Name}. */
    static final List<String> FUNCTIONS = List.of("Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join",
            "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "Contains",
            "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll", "Length", "ToJsonString");
    static final Set<String> INTRINSICS;

    static {
        var names = new java.util.HashSet<String>();
        names.add("Ref");
        names.add("Condition");
        names.add("Fn::GetAtt");
        FUNCTIONS.forEach(f -> names.add("Fn::" + f));
        INTRINSICS = Set.copyOf(names);
    }

    final Path path;
    final Map<String, Object> root;

    private CfnTemplate(Path path, Map<String, Object> root) {
        this.path = path;
        this.root = root;
    }

    static CfnTemplate load(Path path) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new CfnConstructor(options));
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            Object doc = yaml.load(r);
            if (!(doc instanceof Map<?, ?> m)) {
                throw new IllegalStateException(path + ": the template is not a mapping");
            }
            return new CfnTemplate(path, cast(m));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    /** The stack template of this repository, cloudformation/s3loader.yaml. */
    static CfnTemplate main() {
        return load(Repo.path("cloudformation", "s3loader.yaml"));
    }

    Map<String, Object> section(String name) {
        Object s = root.get(name);
        return s == null ? Map.of() : cast(s);
    }

    Map<String, Object> parameters() {
        return section("Parameters");
    }

    Map<String, Object> parameter(String name) {
        return cast(parameters().get(name));
    }

    Map<String, Object> resources() {
        return section("Resources");
    }

    Map<String, Object> resource(String id) {
        Object r = resources().get(id);
        if (r == null) {
            throw new AssertionError("the template has no resource " + id);
        }
        return cast(r);
    }

    String type(String resourceId) {
        return (String) resource(resourceId).get("Type");
    }

    List<String> resourcesOfType(String type) {
        List<String> ids = new ArrayList<>();
        resources().forEach((id, r) -> {
            if (type.equals(cast(r).get("Type"))) {
                ids.add(id);
            }
        });
        return ids;
    }

    Map<String, Object> properties(String resourceId) {
        Object p = resource(resourceId).get("Properties");
        return p == null ? Map.of() : cast(p);
    }

    Map<String, Object> conditions() {
        return section("Conditions");
    }

    Map<String, Object> outputs() {
        return section("Outputs");
    }

    Map<String, Object> mappings() {
        return section("Mappings");
    }

    Map<String, Object> rules() {
        return section("Rules");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        if (!(o instanceof Map<?, ?>)) {
            throw new AssertionError("expected a mapping, got " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        if (!(o instanceof List<?>)) {
            throw new AssertionError("expected a list, got " + o);
        }
        return (List<Object>) o;
    }

    /** The intrinsic function a node is, or null: a mapping with exactly one key that names one. */
    static String intrinsic(Object node) {
        if (node instanceof Map<?, ?> m && m.size() == 1) {
            Object key = m.keySet().iterator().next();
            if (key instanceof String k && INTRINSICS.contains(k)) {
                return k;
            }
        }
        return null;
    }

    private static final class CfnConstructor extends SafeConstructor {
        CfnConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            yamlConstructors.put(new Tag("!GetAtt"), new GetAtt());
            for (String f : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + f), new Intrinsic("Fn::" + f));
            }
        }

        private Object value(Node node) {
            return switch (node) {
                case ScalarNode s -> constructScalar(s);
                case SequenceNode s -> constructSequence(s);
                case MappingNode m -> constructMapping(m);
                default -> throw new IllegalStateException("unexpected node " + node);
            };
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String name;

            Intrinsic(String name) {
                this.name = name;
            }

            @Override
            public Object construct(Node node) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(name, value(node));
                return m;
            }
        }

        /** {@code !GetAtt Resource.Attribute} is the list form {@code [Resource, Attribute]}. */
        private final class GetAtt extends AbstractConstruct {
            @Override
            public Object construct(Node node) {
                Object v = value(node);
                if (v instanceof String s) {
                    int dot = s.indexOf('.');
                    if (dot < 1) {
                        throw new IllegalStateException("!GetAtt " + s + " is not Resource.Attribute");
                    }
                    v = List.of(s.substring(0, dot), s.substring(dot + 1));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("Fn::GetAtt", v);
                return m;
            }
        }
    }
}
