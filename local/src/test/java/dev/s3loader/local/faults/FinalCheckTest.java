package dev.s3loader.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.SharedServers;
import dev.s3loader.loader.StepHook;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** The suite's final check is only worth its zeros if it counts what is wrong: each kind of damage, once. */
class FinalCheckTest {
    @TempDir
    Path temp;

    @Test
    void verify_afterACleanRun_holds_andCountsEachKindOfDamage() {
        String name = "final-check-" + Long.toHexString(System.nanoTime() & 0xffffff);
        String url = SharedServers.postgres().createDatabase(name.replace('-', '_'));
        try (Stack stack = new Stack(name, SharedServers.s3(), SharedServers::sqs, () -> url, temp, List.of(),
                List.of(), Map.of())) {
            FaultSuiteTest.dropHealthy(stack, 20, new Random(1));
            stack.dropped.csv("incoming/victim.csv", 3);
            stack.start(StepHook.NONE);
            stack.awaitDrained(Duration.ofMinutes(5));
            stack.stop();
            FinalCheck.Verdict clean = FinalCheck.verify(stack);
            assertThat(clean.holds()).as(clean.violations().toString()).isTrue();
            assertThat(clean.processed()).isEqualTo(21);

            Dropped.Version victim = stack.dropped.latest("incoming/victim.csv");
            // One row loaded twice, one row gone.
            stack.execute("INSERT INTO " + Stack.TABLE + " SELECT * FROM " + Stack.TABLE + " WHERE id = " + victim.firstId());
            stack.execute("DELETE FROM " + Stack.TABLE + " WHERE id = " + (victim.firstId() + 1));
            FinalCheck.Verdict rows = FinalCheck.verify(stack);
            assertThat(rows.duplicated()).isEqualTo(1);
            assertThat(rows.lost()).isEqualTo(1);

            // A file in two places, and an object no producer wrote.
            stack.s3.copyObject(b -> b.sourceBucket(stack.bucket).sourceKey("processed/victim.csv")
                    .destinationBucket(stack.bucket).destinationKey("incoming/victim.csv"));
            stack.s3.putObject(b -> b.bucket(stack.bucket).key("processed/phantom.csv-0b6f"), RequestBody.fromString("x"));
            FinalCheck.Verdict bucket = FinalCheck.verify(stack);
            assertThat(bucket.duplicated()).isEqualTo(2);
            assertThat(bucket.violations()).anyMatch(v -> v.contains("'incoming/victim.csv' is in 2 places"))
                    .anyMatch(v -> v.contains("phantom.csv-0b6f"));
        }
    }
}
