package dev.s3loader.embedded.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Answer;
import dev.s3loader.embedded.lambda.LambdaRuntimeApi.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Runtime API as a runtime sees it (an HTTP client in the runtime's place), and the event
 * source mapping's reading of a partial batch response: the two halves the runtime-client tests
 * rely on.
 */
class LambdaRuntimeApiTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void next_thenResponse_handsTheEventWithItsHeaders_andCompletesTheInvocation() throws Exception {
        try (LambdaRuntimeApi api = LambdaRuntimeApi.start()) {
            // Arrange
            String base = "http://" + api.address() + "/2018-06-01/runtime/";
            LambdaRuntimeApi.Invocation inv = api.invoke("{\"a\":1}", Duration.ofSeconds(30),
                    "arn:aws:lambda:us-east-1:123456789012:function:f");

            // Act
            HttpResponse<String> next = http.send(HttpRequest.newBuilder(URI.create(base + "invocation/next")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String id = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "invocation/" + id + "/response"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ok\":true}")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(base + "invocation/" + id + "/response"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

            // Assert
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("{\"a\":1}");
            assertThat(id).isEqualTo(inv.requestId());
            long deadline = Long.parseLong(next.headers().firstValue("Lambda-Runtime-Deadline-Ms").orElseThrow());
            assertThat(deadline).isEqualTo(api.deadlineOf(id));
            assertThat(next.headers().firstValue("Lambda-Runtime-Invoked-Function-Arn"))
                    .hasValue("arn:aws:lambda:us-east-1:123456789012:function:f");
            assertThat(next.headers().firstValue("Lambda-Runtime-Trace-Id").orElseThrow()).startsWith("Root=1-");
            assertThat(posted.statusCode()).isEqualTo(202);
            assertThat(again.statusCode()).isEqualTo(400);
            Answer answer = inv.answer().get(5, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(Status.RESPONSE);
            assertThat(answer.body()).isEqualTo("{\"ok\":true}");
            assertThat(answer.deadlineMs()).isEqualTo(deadline);
            assertThat(answer.inTime()).isTrue();
        }
    }

    @Test
    void initError_isRecordedWithItsErrorType() throws Exception {
        try (LambdaRuntimeApi api = LambdaRuntimeApi.start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + api.address() + "/2018-06-01/runtime/init/error"))
                    .header("Lambda-Runtime-Function-Error-Type", "Runtime.BadFunctionCode")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"errorMessage\":\"X is required\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(202);
            var e = api.initError().get(5, TimeUnit.SECONDS);
            assertThat(e.errorType()).isEqualTo("Runtime.BadFunctionCode");
            assertThat(e.body()).contains("X is required");
        }
    }

    @Test
    void failures_readAsTheMappingReadsThem() {
        Set<String> batch = new LinkedHashSet<>(List.of("m1", "m2", "m3"));

        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":[{\"itemIdentifier\":\"m2\"}]}", batch))
                .containsExactly("m2");
        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":[]}", batch)).isEmpty();
        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":null}", batch)).isEmpty();
        assertThat(failures(Status.RESPONSE, "null", batch)).isEmpty();
        assertThat(failures(Status.RESPONSE, "{}", batch)).isEmpty();
        // An answer in another shape carries no failures: the mapping deletes the whole batch.
        assertThat(failures(Status.RESPONSE, "[\"m2\"]", batch)).isEmpty();
        // Invalid entries fail the whole batch.
        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}", batch))
                .isEqualTo(batch);
        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":[{\"itemIdentifier\":null}]}", batch))
                .isEqualTo(batch);
        assertThat(failures(Status.RESPONSE, "{\"batchItemFailures\":[{\"itemIdentifier\":\"other\"}]}", batch))
                .isEqualTo(batch);
        assertThat(failures(Status.ERROR, "{\"errorMessage\":\"boom\"}", batch)).isEqualTo(batch);
        assertThat(failures(Status.TIMED_OUT, null, batch)).isEqualTo(batch);
    }

    private static Set<String> failures(Status status, String body, Set<String> batch) {
        return SqsEventSourceMapping.failures(new Answer("r", status, body, null, 0, 0), batch);
    }
}
