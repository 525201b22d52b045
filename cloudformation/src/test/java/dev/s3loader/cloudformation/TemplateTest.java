package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The template against itself: it parses with the short-form tags, every reference resolves,
 * every parameter is documented, constrained and used, and it evaluates (resources and outputs)
 * for every scenario.
 */
class TemplateTest {
    private static final CfnTemplate T = CfnTemplate.main();
    /** Parameters without a default: scripts/package provides them. */
    private static final Set<String> SUPPLIED_BY_SCRIPTS = Set.of("ArtifactsBucket", "ListerCodeKey", "LoaderCodeKey");

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    @Test
    void template_parses_withShortFormTagsAsLongForm() {
        // Arrange / Act
        Object handler = T.properties("ListerFunction").get("Role");

        // Assert
        assertThat(T.root.get("AWSTemplateFormatVersion")).isEqualTo("2010-09-09");
        assertThat(handler).isEqualTo(Map.of("Fn::GetAtt", List.of("ListerRole", "Arn")));
        assertThat(T.resources()).isNotEmpty();
    }

    @Test
    void references_everyRefGetAttSubConditionAndMapping_resolve() {
        List<String> problems = new ArrayList<>();
        Set<String> resources = T.resources().keySet();
        Set<String> parameters = T.parameters().keySet();
        walk(T.root, "", (where, node) -> {
            String fn = CfnTemplate.intrinsic(node);
            if (fn == null) {
                return;
            }
            Object arg = cast(node).get(fn);
            switch (fn) {
                case "Ref" -> {
                    if (!(arg instanceof String name) || !(parameters.contains(name) || resources.contains(name)
                            || CfnEvaluator.PSEUDO.contains(name))) {
                        problems.add(where + ": Ref to unknown " + arg);
                    }
                }
                case "Fn::GetAtt" -> {
                    List<Object> a = list(arg);
                    if (!resources.contains(a.get(0))) {
                        problems.add(where + ": GetAtt of unknown resource " + a.get(0));
                    } else if (!Placeholders.attributes(T.type((String) a.get(0))).contains(a.get(1))) {
                        problems.add(where + ": " + T.type((String) a.get(0)) + " has no attribute " + a.get(1));
                    }
                }
                case "Fn::Sub" -> {
                    String text = arg instanceof List<?> l ? (String) l.get(0) : (String) arg;
                    Set<String> local = arg instanceof List<?> l ? cast(l.get(1)).keySet() : Set.of();
                    for (String v : CfnEvaluator.subVariables(text)) {
                        String base = v.contains(".") && !v.startsWith("AWS::") ? v.substring(0, v.indexOf('.')) : v;
                        if (!(local.contains(v) || parameters.contains(base) || resources.contains(base)
                                || CfnEvaluator.PSEUDO.contains(base))) {
                            problems.add(where + ": Sub variable ${" + v + "} names nothing");
                        } else if (!local.contains(v) && !base.equals(v) && resources.contains(base)
                                && !Placeholders.attributes(T.type(base)).contains(v.substring(base.length() + 1))) {
                            problems.add(where + ": Sub variable ${" + v + "}: no such attribute");
                        }
                    }
                }
                case "Fn::If" -> checkCondition(list(arg).get(0), where, problems);
                case "Condition" -> checkCondition(arg, where, problems);
                case "Fn::FindInMap" -> checkFindInMap(list(arg), where, problems);
                default -> {
                }
            }
        });
        T.resources().forEach((id, r) -> {
            Map<String, Object> resource = cast(r);
            if (resource.get("Condition") != null) {
                checkCondition(resource.get("Condition"), "Resources." + id + ".Condition", problems);
            }
            Object dependsOn = resource.get("DependsOn");
            for (Object d : dependsOn == null ? List.of() : dependsOn instanceof List<?> l ? l : List.of(dependsOn)) {
                if (!resources.contains(d)) {
                    problems.add("Resources." + id + ".DependsOn: unknown resource " + d);
                }
            }
        });
        T.outputs().forEach((name, o) -> {
            if (cast(o).get("Condition") != null) {
                checkCondition(cast(o).get("Condition"), "Outputs." + name + ".Condition", problems);
            }
        });

        assertThat(problems).as("unresolved references in %s", T.path).isEmpty();
    }

    @Test
    void conditions_everyDefinedCondition_isUsed() {
        Set<String> used = new TreeSet<>();
        walk(T.root, "", (where, node) -> {
            String fn = CfnTemplate.intrinsic(node);
            if ("Fn::If".equals(fn)) {
                used.add((String) list(cast(node).get(fn)).get(0));
            } else if ("Condition".equals(fn)) {
                used.add((String) cast(node).get(fn));
            }
        });
        T.resources().values().forEach(r -> addIfPresent(used, cast(r).get("Condition")));
        T.outputs().values().forEach(o -> addIfPresent(used, cast(o).get("Condition")));

        assertThat(new TreeSet<>(T.conditions().keySet())).as("conditions defined but never used")
                .isSubsetOf(used);
    }

    @Test
    void parameters_everyParameter_isUsed() {
        Set<String> used = new TreeSet<>();
        for (String section : List.of("Resources", "Outputs", "Conditions", "Rules")) {
            walk(T.section(section), section, (where, node) -> {
                String fn = CfnTemplate.intrinsic(node);
                if ("Ref".equals(fn)) {
                    used.add((String) cast(node).get(fn));
                } else if ("Fn::Sub".equals(fn)) {
                    Object arg = cast(node).get(fn);
                    used.addAll(CfnEvaluator.subVariables(arg instanceof List<?> l ? (String) l.get(0) : (String) arg));
                }
            });
        }

        assertThat(new TreeSet<>(T.parameters().keySet())).as("parameters never used in Resources, Outputs, Conditions or Rules")
                .isSubsetOf(used);
    }

    @Test
    void parameters_everyParameter_hasDescriptionTypeConstraintAndDefault() {
        List<String> problems = new ArrayList<>();
        T.parameters().forEach((name, p) -> {
            Map<String, Object> param = cast(p);
            String type = (String) param.get("Type");
            if (!(param.get("Description") instanceof String d) || d.isBlank()) {
                problems.add(name + ": no Description");
            }
            if (type == null) {
                problems.add(name + ": no Type");
            }
            boolean constrained = param.containsKey("AllowedValues") || param.containsKey("AllowedPattern")
                    || ("Number".equals(type) && param.containsKey("MinValue") && param.containsKey("MaxValue"))
                    || param.containsKey("MaxLength") || "CommaDelimitedList".equals(type);
            if (!constrained) {
                problems.add(name + ": neither AllowedValues, AllowedPattern, MinValue+MaxValue nor MaxLength");
            }
            if (!param.containsKey("Default") && !SUPPLIED_BY_SCRIPTS.contains(name)) {
                problems.add(name + ": no Default");
            }
        });
        assertThat(problems).isEmpty();
        // Every default satisfies its own constraints (the evaluator checks them).
        new CfnEvaluator(T, Scenario.CODE);
    }

    @Test
    void parameters_everyParameter_isInTheConsoleInterface() {
        Map<String, Object> iface = cast(T.section("Metadata").get("AWS::CloudFormation::Interface"));
        Set<String> grouped = new TreeSet<>();
        list(iface.get("ParameterGroups")).forEach(g -> list(cast(g).get("Parameters")).forEach(p -> grouped.add((String) p)));

        assertThat(grouped).isEqualTo(new TreeSet<>(T.parameters().keySet()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void evaluation_everyResourceAndOutput_resolves(Scenario scenario) {
        // Arrange
        CfnEvaluator ev = scenario.evaluate(T);

        // Act
        assertThat(ev.brokenRules()).as("the scenario breaks the template's Rules").isEmpty();
        for (String id : T.resources().keySet()) {
            if (ev.exists(id)) {
                ev.properties(id);
            }
        }
        Map<String, Object> outputs = ev.outputs();

        // Assert
        assertThat(outputs).containsKeys("BucketName", "QueueUrl", "DeadLetterQueueUrl", "DashboardUrl", "DropFileCommand");
        outputs.values().forEach(v -> assertThat(v).isInstanceOf(String.class));
        assertThat((String) outputs.get("DropFileCommand")).startsWith("aws s3 cp ").contains("s3://" + outputs.get("BucketName") + "/");
    }

    @Test
    void evaluation_existingBucket_createsNoBucketAndUsesIt() {
        CfnEvaluator ev = Scenario.of("existing", "ExistingBucketName", "producer-drops").evaluate(T);

        assertThat(ev.exists("Bucket")).isFalse();
        assertThat(ev.exists("BucketPolicy")).isFalse();
        assertThat(ev.outputs()).containsEntry("BucketName", "producer-drops").containsEntry("BucketCreatedByStack", "false");
    }

    @Test
    void evaluation_createdBucket_isEncryptedPrivateTlsOnlyWithLifecycleAndRetained() {
        CfnEvaluator ev = Scenario.of("created", "ProcessedRetentionDays", "7").evaluate(T);
        Map<String, Object> bucket = T.resource("Bucket");
        Map<String, Object> p = ev.properties("Bucket");

        assertThat(bucket).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
        assertThat(p.get("BucketEncryption").toString()).contains("SSEAlgorithm=AES256");
        assertThat(cast(p.get("PublicAccessBlockConfiguration")).values()).hasSize(4).allMatch(Boolean.TRUE::equals);
        List<Object> rules = list(cast(p.get("LifecycleConfiguration")).get("Rules"));
        assertThat(rules).anySatisfy(r -> assertThat(cast(r)).containsEntry("Prefix", "processed/")
                .containsEntry("Status", "Enabled").containsEntry("ExpirationInDays", "7"));
        assertThat(rules).anySatisfy(r -> assertThat(cast(r)).containsEntry("Prefix", "_s3loader/manifests/")
                .containsEntry("Status", "Enabled").containsEntry("ExpirationInDays", 1));
        String policy = ev.properties("BucketPolicy").toString();
        assertThat(policy).contains("Effect=Deny").contains("aws:SecureTransport=false");
        assertThat(Scenario.of("keep", "ProcessedRetentionDays", "0").evaluate(T).properties("Bucket").toString())
                .contains("Id=expire-processed, Status=Disabled");
    }

    @Test
    void rules_invalidDeployments_areRejectedBeforeAnythingIsCreated() {
        assertThat(Scenario.of("x", "Destination", "postgres").evaluate(T).brokenRules())
                .anyMatch(r -> r.contains("DatabaseSecretArn"));
        assertThat(Scenario.of("x", "Destination", "redshift", "TargetTable", "t", "RedshiftCopyRoleArn", Scenario.COPY_ROLE)
                .evaluate(T).brokenRules()).anyMatch(r -> r.contains("exactly one of RedshiftWorkgroup and RedshiftClusterId"));
        assertThat(Scenario.of("x", "Destination", "redshift", "TargetTable", "t", "RedshiftCopyRoleArn", Scenario.COPY_ROLE,
                "RedshiftWorkgroup", "wgrp", "RedshiftClusterId", "c").evaluate(T).brokenRules()).isNotEmpty();
        assertThat(Scenario.of("x", "LoadMode", "merge").evaluate(T).brokenRules()).anyMatch(r -> r.contains("MergeKeyColumns"));
        assertThat(Scenario.of("x", "Destination", "postgres", "DatabaseSecretArn", Scenario.SECRET, "TargetTable", "t",
                "PostgresCaBundlePath", "").evaluate(T).brokenRules()).anyMatch(r -> r.contains("PostgresCaBundlePath"));
        // By default the loader verifies against AWS's RDS bundle, which scripts/package puts into its jar.
        assertThat(Scenario.of("x", "Destination", "postgres", "DatabaseSecretArn", Scenario.SECRET, "TargetTable", "t")
                .evaluate(T).brokenRules()).isEmpty();
        assertThat(T.parameter("PostgresCaBundlePath").get("Default")).isEqualTo("/var/task/rds/global-bundle.pem");
        assertThat(Scenario.of("x", "Destination", "postgres", "DatabaseSecretArn", Scenario.SECRET, "TargetTable", "t",
                "PostgresSslMode", "disable").evaluate(T).brokenRules()).isEmpty();
    }

    private static void checkCondition(Object name, String where, List<String> problems) {
        if (!(name instanceof String n) || !T.conditions().containsKey(n)) {
            problems.add(where + ": unknown condition " + name);
        }
    }

    private static void checkFindInMap(List<Object> a, String where, List<String> problems) {
        if (!(a.get(0) instanceof String map) || !T.mappings().containsKey(map)) {
            problems.add(where + ": unknown mapping " + a.get(0));
            return;
        }
        Map<String, Object> mapping = cast(T.mappings().get(map));
        // A top-level key from a parameter: every value the parameter allows must be a key.
        List<String> keys = new ArrayList<>();
        if (a.get(1) instanceof String literal) {
            keys.add(literal);
        } else if ("Ref".equals(CfnTemplate.intrinsic(a.get(1)))) {
            Map<String, Object> p = T.parameter((String) cast(a.get(1)).get("Ref"));
            if (p.get("AllowedValues") == null) {
                problems.add(where + ": FindInMap key from a parameter without AllowedValues");
                return;
            }
            list(p.get("AllowedValues")).forEach(v -> keys.add(CfnEvaluator.scalar(v)));
        }
        for (String key : keys) {
            Object level = mapping.get(key);
            if (level == null) {
                problems.add(where + ": mapping " + map + " has no key '" + key + "'");
            } else if (a.get(2) instanceof String second && !cast(level).containsKey(second)) {
                problems.add(where + ": mapping " + map + "." + key + " has no key '" + second + "'");
            }
        }
    }

    private static void addIfPresent(Set<String> set, Object value) {
        if (value instanceof String s) {
            set.add(s);
        }
    }

    /** Visits every node (depth first) with its path. */
    static void walk(Object node, String where, BiConsumer<String, Object> visitor) {
        visitor.accept(where, node);
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, where + "." + k, visitor));
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), where + "[" + i + "]", visitor);
            }
        }
    }
}
