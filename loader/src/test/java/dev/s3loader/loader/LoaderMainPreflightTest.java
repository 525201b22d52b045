package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.EmbeddedS3;
import dev.s3loader.embedded.SharedServers;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.PreflightAnswer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code LoaderMain preflight}, the container worker's way to answer the preflight, as a process
 * (its clients take their endpoints from the SDK's variables, as in the image): the answer's JSON
 * on one line and exit 0 against the local S3; a bad argument or a missing setting exits 2.
 */
class LoaderMainPreflightTest {
    private record Run(int status, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LoaderMain.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("preflight-", ".out");
        Path err = Files.createTempFile("preflight-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("BUCKET") || k.equals("DESTINATION"));
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("LoaderMain preflight ended").isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void preflight_againstTheLocalS3_printsTheAnswerAndExitsZero() throws Exception {
        String bucket = "main-pre-" + UUID.randomUUID().toString().substring(0, 8);
        SharedServers.s3().createBucket(bucket);

        Run r = run(Map.of("BUCKET", bucket, "AWS_REGION", EmbeddedS3.REGION.id(), "AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY, "AWS_ENDPOINT_URL_S3", SharedServers.s3().endpoint().toString()),
                "preflight");

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        // The log's lines are JSON too (one object a line); the answer is the one line that is a preflight answer.
        List<String> answers = r.out().lines().filter(l -> l.startsWith("{\"s3loader\":\"preflight\"")).toList();
        assertThat(answers).as(r.out()).hasSize(1);
        List<CheckItem> items = PreflightAnswer.fromJson(answers.getFirst());
        assertThat(items).extracting(CheckItem::name).containsExactly("s3 internal prefix", "s3 incoming listing",
                "s3 store conditions");
        assertThat(items).allMatch(CheckItem::ok);
    }

    @Test
    void preflight_badArgumentOrMissingSetting_exitsTwoWithOneLine() throws Exception {
        Run bad = run(Map.of(), "prefligth");
        Run unset = run(Map.of(), "preflight");

        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("s3loader loader: unknown arguments prefligth (the only command is: preflight)");
        assertThat(unset.status()).isEqualTo(2);
        assertThat(unset.err().strip()).isEqualTo("s3loader loader: BUCKET is required but not set");
    }
}
