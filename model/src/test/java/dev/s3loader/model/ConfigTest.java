package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
    private static Map<String, String> lister(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("BUCKET", "b", "QUEUE_URL", "http://q"));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    @Test
    void listerFromEnv_defaults_matchTheDesign() {
        ListerConfig c = ListerConfig.fromEnv(lister());

        assertThat(c.maxInFlightFiles()).isEqualTo(100_000);
        assertThat(c.requeueAfter()).isEqualTo(Duration.ofMinutes(60));
        assertThat(c.layout()).isEqualTo(Layout.defaults());
        assertThat(c.pipelineName()).isEqualTo("s3loader");
    }

    @Test
    void listerFromEnv_eventFastPath_offByDefaultAndItsGraceDefaultsToFiveMinutes() {
        assertThat(ListerConfig.fromEnv(lister()).eventFastPath()).isFalse();
        assertThat(ListerConfig.fromEnv(lister()).eventGrace()).isEqualTo(Duration.ZERO);

        ListerConfig on = ListerConfig.fromEnv(lister("EVENT_FAST_PATH", "true"));

        assertThat(on.eventFastPath()).isTrue();
        assertThat(on.eventGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(ListerConfig.fromEnv(lister("EVENT_FAST_PATH", "true", "EVENT_GRACE_MINUTES", "12")).eventGrace())
                .isEqualTo(Duration.ofMinutes(12));
    }

    @Test
    void listerFromEnv_eventGraceOutsideOneMinuteToBelowRequeueAfter_namesBoth() {
        assertThatThrownBy(() -> ListerConfig.fromEnv(lister("EVENT_FAST_PATH", "true", "EVENT_GRACE_MINUTES", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("EVENT_GRACE_MINUTES must be between 1 and");
        assertThatThrownBy(() -> ListerConfig.fromEnv(lister("EVENT_FAST_PATH", "true", "EVENT_GRACE_MINUTES", "60")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("EVENT_GRACE_MINUTES (60) must be below REQUEUE_AFTER_MINUTES (60): a missed event is"
                        + " found no later than a lost message");
        assertThatThrownBy(() -> ListerConfig.fromEnv(lister("EVENT_FAST_PATH", "maybe")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("EVENT_FAST_PATH must be true or false");
        // Off, the grace is not used, so a short REQUEUE_AFTER with the default grace still starts.
        assertThat(ListerConfig.fromEnv(lister("REQUEUE_AFTER_MINUTES", "2")).eventGrace()).isEqualTo(Duration.ZERO);
    }

    @Test
    void listerFromEnv_missingBucket_namesIt() {
        Map<String, String> env = lister();
        env.remove("BUCKET");
        assertThatThrownBy(() -> ListerConfig.fromEnv(env)).isInstanceOf(ConfigException.class)
                .hasMessage("BUCKET is required but not set");
    }

    @Test
    void listerFromEnv_badNumber_namesTheVariableAndValue() {
        assertThatThrownBy(() -> ListerConfig.fromEnv(lister("MAX_IN_FLIGHT_FILES", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MAX_IN_FLIGHT_FILES").hasMessageContaining("lots");
        assertThatThrownBy(() -> ListerConfig.fromEnv(lister("MAX_IN_FLIGHT_FILES", "0")))
                .hasMessageContaining("MAX_IN_FLIGHT_FILES must be between 1 and");
    }

    @Test
    void loaderFromEnv_unknownDestination_listsTheChoices() {
        assertThatThrownBy(() -> LoaderConfig.fromEnv(Map.of("BUCKET", "b", "DESTINATION", "mysql")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DESTINATION must be one of copy, postgres, redshift");
    }

    @Test
    void loaderFromEnv_defaults_copyIsTheMove() {
        LoaderConfig c = LoaderConfig.fromEnv(Map.of("BUCKET", "b"));

        assertThat(c.destination()).isEqualTo(DestinationKind.COPY);
        assertThat(c.copyIsTheMove()).isTrue();
        assertThat(c.multipartThreshold()).isEqualTo(5 * LoaderConfig.GIB);
        assertThat(c.maxReceiveCount()).isEqualTo(5);
    }

    @Test
    void loaderFromEnv_thresholdBelowS3Minimum_isRefused() {
        assertThatThrownBy(() -> LoaderConfig.fromEnv(Map.of("BUCKET", "b", "MULTIPART_THRESHOLD_BYTES", "1000")))
                .hasMessageContaining("MULTIPART_THRESHOLD_BYTES must be between 5242880");
    }

    @Test
    void loaderFromEnv_archiveElsewhere_copyIsNotTheMove() {
        LoaderConfig c = LoaderConfig.fromEnv(Map.of("BUCKET", "b", "DESTINATION_BUCKET", "archive"));
        assertThat(c.copyIsTheMove()).isFalse();
        assertThat(c.destinationPrefix()).isEqualTo("processed/");
    }

    @Test
    void loaderFromEnv_archiveInsideAStageOfTheSameBucket_isRefusedNamingBoth() {
        // An archive inside incoming/ would be listed and loaded again, forever.
        for (String prefix : new String[] {"incoming/archive/", "incoming/", "failed/x/", "_s3loader/a/"}) {
            assertThatThrownBy(() -> LoaderConfig.fromEnv(Map.of("BUCKET", "b", "DESTINATION_PREFIX", prefix)))
                    .as(prefix).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("DESTINATION_PREFIX '" + prefix + "'").hasMessageContaining("BUCKET");
        }
        // The same prefix in another bucket is fine.
        assertThat(LoaderConfig.fromEnv(Map.of("BUCKET", "b", "DESTINATION_BUCKET", "archive",
                "DESTINATION_PREFIX", "incoming/")).destinationPrefix()).isEqualTo("incoming/");
    }

    @Test
    void pollerFromEnv_missingQueue_namesIt() {
        assertThatThrownBy(() -> PollerConfig.fromEnv(Map.of())).hasMessage("QUEUE_URL is required but not set");
    }

    @Test
    void workerFromEnv_defaultsAndBadValues_nameTheVariable() {
        WorkerConfig defaults = WorkerConfig.fromEnv(Map.of());
        assertThat(defaults.batchDeadline()).isEqualTo(java.time.Duration.ofHours(6));
        assertThat(defaults.stopGrace()).isEqualTo(java.time.Duration.ofSeconds(25));
        assertThatThrownBy(() -> WorkerConfig.fromEnv(Map.of("WORKER_BATCH_DEADLINE_SECONDS", "43200")))
                .hasMessage("WORKER_BATCH_DEADLINE_SECONDS must be between 60 and 41400, got 43200");
        assertThatThrownBy(() -> WorkerConfig.fromEnv(Map.of("WORKER_STOP_GRACE_SECONDS", "soon")))
                .hasMessageStartingWith("WORKER_STOP_GRACE_SECONDS must be a number of seconds");
    }
}
