package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The alarms on the lister's figures can fire whatever the schedule. The lister publishes once a
 * run, so a period shorter than the time between two runs is empty most of the time; with
 * {@code TreatMissingData: ignore} an alarm that needs more datapoints than its evaluation range
 * holds keeps its state forever (CloudWatch, "Configuring how CloudWatch alarms treat missing
 * data"). Each period must hold a run's figures even when a run takes the lister's whole timeout or
 * one tick is dropped, and the alarm must be one CloudWatch accepts (PutMetricAlarm: a period of
 * 10, 20, 30 or a multiple of 60 seconds; period x evaluation periods at most one day below an
 * hour's period, seven days from it).
 */
class ListerAlarmPeriodsTest {
    private static final CfnTemplate T = CfnTemplate.main();
    /** What the lister publishes, once a run (BacklogMetrics). */
    private static final Set<String> LISTER_METRICS = Set.of("BacklogFiles", "BacklogBytes", "OldestFileAgeSeconds",
            "InFlightFiles", "EnqueuedFiles", "StuckFiles");

    @Test
    void alarmsOnListerFigures_everySchedule_eachPeriodHoldsARunsFigures_andCloudWatchAcceptsTheAlarm() {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new java.util.TreeSet<>();
        String maxPeriods = CfnEvaluator.scalar(T.parameter("BacklogAlarmPeriods").get("MaxValue"));
        int listerTimeout = Integer.parseInt(CfnEvaluator.scalar(T.properties("ListerFunction").get("Timeout")));
        for (Object value : list(T.parameter("ListerSchedule").get("AllowedValues"))) {
            String schedule = CfnEvaluator.scalar(value);
            int rate = SecondDeployTest.rateSeconds(schedule);
            for (String periods : List.of("1", CfnEvaluator.scalar(T.parameter("BacklogAlarmPeriods").get("Default")),
                    maxPeriods)) {
                CfnEvaluator ev = Scenario.of("s", "ListerSchedule", schedule, "BacklogAlarmPeriods", periods).evaluate(T);
                for (String alarm : T.resourcesOfType("AWS::CloudWatch::Alarm")) {
                    if (!ev.exists(alarm)) {
                        continue; // an alarm of another feature (containers, the Lambda loader) these parameters leave out
                    }
                    Map<String, Object> p = ev.properties(alarm);
                    if (!"s3loader".equals(p.get("Namespace")) || !LISTER_METRICS.contains(p.get("MetricName"))) {
                        continue;
                    }
                    seen.add(alarm);
                    int period = Integer.parseInt(CfnEvaluator.scalar(p.get("Period")));
                    int evaluations = Integer.parseInt(CfnEvaluator.scalar(p.get("EvaluationPeriods")));
                    String where = alarm + " with " + schedule + ", BacklogAlarmPeriods=" + periods + ": ";
                    if (period < 2 * rate || period < listerTimeout) {
                        problems.add(where + "period " + period + " s is shorter than two runs (" + 2 * rate
                                + " s) or the lister's timeout (" + listerTimeout + " s): periods without figures");
                    }
                    if (!(period == 10 || period == 20 || period == 30 || period % 60 == 0)) {
                        problems.add(where + "period " + period + " s is not 10, 20, 30 or a multiple of 60");
                    }
                    long range = (long) period * evaluations;
                    if (range > (period < 3600 ? 86_400 : 604_800)) {
                        problems.add(where + period + " s x " + evaluations + " periods = " + range
                                + " s, more than CloudWatch evaluates");
                    }
                    if ("breaching".equals(p.get("TreatMissingData"))) {
                        problems.add(where + "a missing run would page");
                    }
                }
            }
        }

        assertThat(seen).as("alarms on the lister's figures").contains("BacklogAlarm", "OldestFileAgeAlarm",
                "StuckFilesAlarm");
        assertThat(problems).isEmpty();
    }
}
