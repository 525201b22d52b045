package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/destroy on a stack whose bucket outlives it (created and retained, or the user's own):
 * CloudFormation is a fake that deletes the stack's queue, and S3 and SQS are moto_server through
 * the real AWS CLI, so the bucket's notification configuration is read and written as S3 does.
 */
class DestroyScriptTest {
    private static final String HYBRID_AWS = """
            #!/usr/bin/env bash
            # CloudFormation and STS answered here; every other call to moto_server.
            printf '%s\\n' "$*" >> "$FAKE_STATE/calls"
            case "$1 $2" in
              "sts get-caller-identity") printf '123456789012\\tarn:aws:iam::123456789012:user/tester\\n' ;;
              "configure get") echo eu-west-1 ;;
              "cloudformation describe-stacks")
                if [ -e "$FAKE_STATE/deleted" ]; then
                  echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist" >&2
                  exit 254
                fi
                case "$*" in
                  *StackStatus*) echo UPDATE_COMPLETE ;;
                  *ParameterKey*) printf 'IncomingPrefix\\tincoming/\\nFailedPrefix\\tfailed/\\nDestination\\tcopy\\nEventFastPath\\ttrue\\n' ;;
                  *OutputKey*) printf 'BucketName\\t%s\\nBucketCreatedByStack\\ttrue\\nQueueUrl\\t%s\\n' "$FAKE_BUCKET" "$FAKE_QUEUE_URL" ;;
                esac ;;
              "cloudformation describe-stack-resources") printf '%s\\t%s\\n' "$FAKE_QUEUE_URL" "$FAKE_DLQ_URL" ;;
              "cloudformation delete-stack")
                "$MOTO_AWS" sqs delete-queue --queue-url "$FAKE_QUEUE_URL"
                "$MOTO_AWS" sqs delete-queue --queue-url "$FAKE_DLQ_URL"
                touch "$FAKE_STATE/deleted" ;;
              "cloudformation wait") ;;
              *) exec "$MOTO_AWS" "$@" ;;
            esac
            """;

    @TempDir
    Path tmp;
    private AwsCliOnMoto moto;
    private Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        var server = AwsCliOnMoto.shared();
        assumeTrue(server.isPresent(), "moto_server and the AWS CLI are not installed");
        moto = server.get();
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.writeString(bin.resolve("aws"), HYBRID_AWS);
        Files.setPosixFilePermissions(bin.resolve("aws"), PosixFilePermissions.fromString("rwxr-xr-x"));
        env = new HashMap<>(Map.of("HOME", tmp.toString(), "LANG", "C.UTF-8", "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test", "AWS_DEFAULT_REGION", AwsCliOnMoto.REGION,
                "MOTO_AWS", moto.bin.resolve("aws").toString(), "FAKE_STATE", Files.createDirectory(tmp.resolve("state")).toString()));
        env.put("PATH", bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }

    @Test
    void destroy_retainedBucket_losesOnlyTheNotificationEntriesOfTheStacksQueue() throws Exception {
        // Arrange: the stack's queue (the fast path's entry) beside a user's own queue and topic entries.
        String id = UUID.randomUUID().toString().substring(0, 8);
        String bucket = "s3l-destroy-" + id;
        String queueUrl = aws("sqs", "create-queue", "--queue-name", "s3l-test-LoadQueue-" + id, "--query", "QueueUrl", "--output", "text");
        String dlqUrl = aws("sqs", "create-queue", "--queue-name", "s3l-test-DeadLetterQueue-" + id, "--query", "QueueUrl", "--output", "text");
        String otherUrl = aws("sqs", "create-queue", "--queue-name", "audit-" + id, "--query", "QueueUrl", "--output", "text");
        String topic = aws("sns", "create-topic", "--name", "audit-" + id, "--query", "TopicArn", "--output", "text");
        aws("s3api", "create-bucket", "--bucket", bucket, "--create-bucket-configuration", "LocationConstraint=" + AwsCliOnMoto.REGION);
        String stackArn = "arn:aws:sqs:eu-west-1:123456789012:s3l-test-LoadQueue-" + id;
        String otherArn = "arn:aws:sqs:eu-west-1:123456789012:audit-" + id;
        aws("s3api", "put-bucket-notification-configuration", "--bucket", bucket, "--notification-configuration", """
                {"QueueConfigurations": [
                  {"Id": "s3loader", "QueueArn": "%s", "Events": ["s3:ObjectCreated:*"],
                   "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}},
                  {"Id": "audit", "QueueArn": "%s", "Events": ["s3:ObjectRemoved:*"]}],
                 "TopicConfigurations": [{"Id": "audit-topic", "TopicArn": "%s", "Events": ["s3:ObjectCreated:Put"]}]}
                """.formatted(stackArn, otherArn, topic));
        env.putAll(Map.of("FAKE_BUCKET", bucket, "FAKE_QUEUE_URL", queueUrl, "FAKE_DLQ_URL", dlqUrl));

        // Act
        Result r = run("bash", Repo.path("scripts", "destroy").toString(), "s3l-test", "--yes");

        // Assert: the stack's entry is gone, the user's entries are as they were.
        assertThat(r.exit).as(r.toString()).isZero();
        String after = aws("s3api", "get-bucket-notification-configuration", "--bucket", bucket, "--output", "json");
        assertThat(after).doesNotContain(stackArn).doesNotContain("\"s3loader\"")
                .contains(otherArn).contains("\"audit\"").contains(topic).contains("audit-topic");
        assertThat(r.out).contains("removing from s3://" + bucket + "'s event notifications");
        assertThat(otherUrl).isNotBlank();

        // Safe to repeat: nothing left to remove, no write.
        Result again = run("bash", "-c", ". " + Repo.path("cloudformation", "script-common.sh")
                + "; remove_queue_notifications " + bucket + " " + stackArn);
        assertThat(again.exit).as(again.toString()).isZero();
        assertThat(again.out).doesNotContain("removing");
        assertThat(aws("s3api", "get-bucket-notification-configuration", "--bucket", bucket, "--output", "json")).isEqualTo(after);
    }

    @Test
    void destroy_bucketWithoutNotifications_changesNothingInIt() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String bucket = "s3l-destroy-" + id;
        String queueUrl = aws("sqs", "create-queue", "--queue-name", "s3l-test-LoadQueue-" + id, "--query", "QueueUrl", "--output", "text");
        String dlqUrl = aws("sqs", "create-queue", "--queue-name", "s3l-test-DeadLetterQueue-" + id, "--query", "QueueUrl", "--output", "text");
        aws("s3api", "create-bucket", "--bucket", bucket, "--create-bucket-configuration", "LocationConstraint=" + AwsCliOnMoto.REGION);
        env.putAll(Map.of("FAKE_BUCKET", bucket, "FAKE_QUEUE_URL", queueUrl, "FAKE_DLQ_URL", dlqUrl));

        Result r = run("bash", Repo.path("scripts", "destroy").toString(), "s3l-test", "--yes");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(Files.readString(Path.of(env.get("FAKE_STATE"), "calls"))).doesNotContain("put-bucket-notification-configuration");
    }

    private String aws(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(moto.bin.resolve("aws").toString()));
        command.addAll(List.of(args));
        Result r = run(command.toArray(String[]::new));
        assertThat(r.exit).as(r.toString()).isZero();
        return r.out.strip();
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Result run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
