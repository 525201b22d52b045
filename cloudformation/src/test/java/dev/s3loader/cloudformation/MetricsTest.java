package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Alarms and dashboard look at metrics the code publishes: the names the lister's
 * {@code BacklogMetrics} and the loader's {@code LoaderMetrics} declare (read from the built jars),
 * in the namespace and with the Pipeline dimension the functions are configured with. Every alarm
 * notifies the topic.
 */
class MetricsTest {
    private static final CfnTemplate T = CfnTemplate.main();
    /** The lister's names: constant fields of this class (DIMENSION is the dimension name). */
    static final String LISTER_METRICS = "dev/s3loader/lister/BacklogMetrics";
    /** The loader's names: constant fields of this class. */
    static final String LOADER_METRICS = "dev/s3loader/loader/internal/LoaderMetrics";

    static List<Scenario> scenarios() {
        return List.of(Scenario.of("defaults"), Scenario.all().get(1), ContainerWorkersTest.withWorkers(Scenario.of("container workers")));
    }

    @Test
    void alarms_coverBacklogAgeStuckDeadLetterAndLoaderErrors() {
        CfnEvaluator ev = Scenario.of("a", "BacklogAlarmThreshold", "5000", "BacklogAlarmPeriods", "20",
                "OldestFileAgeAlarmSeconds", "900").evaluate(T);
        Map<String, Map<String, Object>> byMetric = new java.util.HashMap<>();
        for (String alarm : T.resourcesOfType("AWS::CloudWatch::Alarm").stream().filter(ev::exists).toList()) {
            Map<String, Object> p = ev.properties(alarm);
            byMetric.putIfAbsent(p.get("Namespace") + "/" + p.get("MetricName"), p);
        }

        assertThat(byMetric.get("s3loader/BacklogFiles")).containsEntry("Threshold", "5000")
                .containsEntry("EvaluationPeriods", "20").containsEntry("ComparisonOperator", "GreaterThanThreshold");
        assertThat(byMetric.get("s3loader/OldestFileAgeSeconds")).containsEntry("Threshold", "900");
        assertThat(byMetric).containsKeys("s3loader/StuckFiles", "AWS/SQS/ApproximateNumberOfMessagesVisible", "AWS/Lambda/Errors");
        assertThat(byMetric.get("AWS/SQS/ApproximateNumberOfMessagesVisible").get("Dimensions").toString())
                .contains(String.valueOf(ev.getAtt("DeadLetterQueue", "QueueName", "test")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void alarms_referenceMetricsTheCodePublishes_inItsNamespace_withItsDimension(Scenario scenario) {
        // Arrange
        CfnEvaluator ev = scenario.evaluate(T);
        Published published = published(ev);
        String topic = (String) ev.ref("AlarmTopic", "test");
        List<String> problems = new ArrayList<>();

        // Act
        for (String alarm : T.resourcesOfType("AWS::CloudWatch::Alarm").stream().filter(ev::exists).toList()) {
            Map<String, Object> p = ev.properties(alarm);
            if (!IamTest.strings(p.get("AlarmActions")).contains(topic)) {
                problems.add(alarm + ": does not notify the alarm topic");
            }
            List<Map<String, Object>> dims = list(p.get("Dimensions")).stream().map(CfnTemplate::cast).toList();
            List<String> flat = new ArrayList<>();
            dims.forEach(d -> {
                flat.add((String) d.get("Name"));
                flat.add(CfnEvaluator.scalar(d.get("Value")));
            });
            check(alarm, (String) p.get("Namespace"), (String) p.get("MetricName"), flat, ev, published, problems);
        }

        // Assert
        assertThat(problems).as("[%s]", scenario).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void dashboard_showsPublishedMetrics_backlogAgeThroughputFailuresAndQueueDepths(Scenario scenario) throws Exception {
        // Arrange
        CfnEvaluator ev = scenario.evaluate(T);
        Published published = published(ev);
        List<String> dashboards = T.resourcesOfType("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        JsonNode body = new ObjectMapper().readTree((String) ev.properties(dashboards.get(0)).get("DashboardBody"));
        List<String> problems = new ArrayList<>();
        Set<String> shown = new TreeSet<>();

        // Act
        for (JsonNode widget : body.get("widgets")) {
            JsonNode props = widget.get("properties");
            assertThat(props.get("region").asText()).isEqualTo(CfnEvaluator.REGION);
            for (JsonNode metric : props.get("metrics")) {
                List<String> flat = new ArrayList<>();
                metric.forEach(m -> {
                    if (m.isTextual()) {
                        flat.add(m.asText());
                    }
                });
                String namespace = flat.get(0);
                String name = flat.get(1);
                shown.add(namespace + "/" + name);
                check("dashboard widget '" + props.get("title").asText() + "'", namespace, name, flat.subList(2, flat.size()),
                        ev, published, problems);
            }
        }

        // Assert
        assertThat(problems).as("[%s]", scenario).isEmpty();
        String ns = published.namespace;
        assertThat(shown).contains(ns + "/BacklogFiles", ns + "/BacklogBytes", ns + "/OldestFileAgeSeconds",
                ns + "/LoadedFiles", ns + "/FailedFiles", ns + "/StuckFiles", "AWS/SQS/ApproximateNumberOfMessagesVisible");
        assertThat(body.toString()).contains(String.valueOf(ev.getAtt("DeadLetterQueue", "QueueName", "test")))
                .contains(String.valueOf(ev.getAtt("LoadQueue", "QueueName", "test")));
    }

    @Test
    void alarmTopic_hasTheEmailSubscription_onlyWhenAnAddressIsGiven() {
        CfnEvaluator none = Scenario.of("n").evaluate(T);
        CfnEvaluator some = Scenario.of("s", "AlarmEmail", "ops@example.com").evaluate(T);

        assertThat(none.exists("AlarmEmailSubscription")).isFalse();
        assertThat(some.properties("AlarmEmailSubscription")).containsEntry("Protocol", "email")
                .containsEntry("Endpoint", "ops@example.com").containsEntry("TopicArn", some.ref("AlarmTopic", "test"));
    }

    /** What the code publishes, and where, for these parameters. */
    record Published(String namespace, String pipeline, String dimension, Set<String> names, Set<String> functionNames,
                     Set<String> queueNames) {
    }

    static Published published(CfnEvaluator ev) {
        Map<String, String> lister = EnvironmentTest.environment(ev.properties("ListerFunction"));
        Map<String, String> loader = EnvironmentTest.environment(ev.properties("LoaderFunction"));
        assertThat(loader.get("METRICS_NAMESPACE")).as("lister and loader publish in one namespace")
                .isEqualTo(lister.get("METRICS_NAMESPACE"));
        assertThat(loader.get("PIPELINE_NAME")).as("lister and loader publish one Pipeline value")
                .isEqualTo(lister.get("PIPELINE_NAME"));

        Map<String, String> listerConstants = constants("dev.s3loader.lister.ListerHandler::handleRequest", LISTER_METRICS);
        Map<String, String> loaderConstants = constants("dev.s3loader.loader.LoaderHandler::handleRequest", LOADER_METRICS);
        String dimension = listerConstants.get("DIMENSION");
        assertThat(dimension).as("%s.DIMENSION", LISTER_METRICS).isNotNull();
        Set<String> names = new TreeSet<>();
        listerConstants.forEach((field, value) -> {
            if (!field.equals("DIMENSION")) {
                names.add(value);
            }
        });
        names.addAll(loaderConstants.values());
        // The loader's EMF line must declare the same dimension.
        assertThat(FunctionCode.scan("dev.s3loader.loader.LoaderHandler::handleRequest").stringConstants())
                .as("the loader's EMF line declares the dimension %s", dimension)
                .anyMatch(s -> s.contains("\"Dimensions\":[[\"" + dimension + "\"]]"));

        Set<String> functions = new TreeSet<>();
        T.resourcesOfType("AWS::Lambda::Function").forEach(f -> functions.add((String) ev.ref(f, "test")));
        Set<String> queues = new TreeSet<>();
        T.resourcesOfType("AWS::SQS::Queue").stream().filter(ev::exists)
                .forEach(q -> queues.add((String) ev.getAtt(q, "QueueName", "test")));
        return new Published(lister.get("METRICS_NAMESPACE"), lister.get("PIPELINE_NAME"), dimension, names, functions, queues);
    }

    /** The class's constant fields, read from the handler's jar (javac inlines them, so the class itself may be unreferenced). */
    private static Map<String, String> constants(String handler, String className) {
        var classes = CodeJars.classes(CodeJars.jarFor(FunctionCode.handlerClass(handler)), className);
        if (!classes.containsKey(className)) {
            throw new AssertionError(className.replace('/', '.') + " (the metric names the alarms and the dashboard are "
                    + "checked against) is not in the jar of " + handler);
        }
        Map<String, String> c = SdkCallScanner.scan(classes, java.util.Set.of(className), List.of()).constantFields().get(className);
        if (c == null) {
            throw new AssertionError(className.replace('/', '.') + " declares no String constants");
        }
        return c;
    }

    private static void check(String where, String namespace, String name, List<String> dimensions, CfnEvaluator ev,
                              Published published, List<String> problems) {
        switch (namespace) {
            case "AWS/Lambda" -> {
                if (!dimensions.equals(List.of("FunctionName", dimensions.size() > 1 ? dimensions.get(1) : ""))
                        || !published.functionNames.contains(dimensions.get(1))) {
                    problems.add(where + ": AWS/Lambda " + name + " not for one of the stack's functions: " + dimensions);
                }
            }
            case "ECS/ContainerInsights" -> {
                if (!dimensions.equals(List.of("ClusterName", String.valueOf(ev.ref("ContainerCluster", where)),
                        "ServiceName", String.valueOf(ev.getAtt("ContainerService", "Name", where))))) {
                    problems.add(where + ": ECS/ContainerInsights " + name + " not for the stack's service: " + dimensions);
                }
            }
            case "AWS/SQS" -> {
                if (dimensions.size() != 2 || !dimensions.get(0).equals("QueueName") || !published.queueNames.contains(dimensions.get(1))) {
                    problems.add(where + ": AWS/SQS " + name + " not for one of the stack's queues: " + dimensions);
                }
            }
            default -> {
                if (!namespace.equals(published.namespace)) {
                    problems.add(where + ": namespace " + namespace + " is not the functions' METRICS_NAMESPACE " + published.namespace);
                } else if (!published.names.contains(name)) {
                    problems.add(where + ": " + name + " is not a metric the code publishes " + published.names);
                }
                if (!dimensions.equals(List.of(published.dimension, published.pipeline))) {
                    problems.add(where + ": dimensions " + dimensions + " are not [" + published.dimension + ", "
                            + published.pipeline + "] as published");
                }
            }
        }
    }
}
