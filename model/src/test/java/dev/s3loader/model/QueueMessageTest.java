package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueueMessageTest {
    private static String resource(String name) throws IOException {
        try (InputStream in = QueueMessageTest.class.getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void files_listerMessage_isThatOneFile() {
        FileMessage m = new FileMessage("b", "incoming/a b+c.csv", "\"e1\"", 3, Instant.parse("2026-11-30T10:00:00Z"));

        assertThat(QueueMessage.files(m.toJson())).containsExactly(m);
    }

    @Test
    void files_s3EventWithTwoRecords_isTwoFilesKeysFormDecodedEtagsQuoted() throws IOException {
        List<FileMessage> files = QueueMessage.files(resource("s3-put.json"));

        assertThat(files).containsExactly(
                new FileMessage("amzn-s3-demo-bucket", "incoming/red flower.jpg", "\"d41d8cd98f00b204e9800998ecf8427e\"",
                        1024, Instant.parse("2026-11-30T19:05:02.123Z")),
                new FileMessage("amzn-s3-demo-bucket", "incoming/a+b c%dü中\u0001\r\t .csv",
                        "\"9b2cf535f27731c974343645a3985328-2\"", 0, Instant.parse("2026-11-30T19:05:03Z")));
    }

    @Test
    void files_s3TestEvent_isNoFile() throws IOException {
        assertThat(QueueMessage.files(resource("s3-test-event.json"))).isEmpty();
    }

    @Test
    void files_recordOfAnotherEventType_isSkipped() {
        String body = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectRemoved:Delete\",\"eventTime\":"
                + "\"2026-11-30T19:05:02Z\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/x\","
                + "\"sequencer\":\"01\"}}}]}";

        assertThat(QueueMessage.files(body)).isEmpty();
    }

    @Test
    void files_folderMarker_isNoFileAsInTheListing() {
        String body = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"eventTime\":"
                + "\"2026-11-30T19:05:02Z\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/day%3D1/\","
                + "\"size\":0,\"eTag\":\"d41d8cd98f00b204e9800998ecf8427e\"}}}]}";

        assertThat(QueueMessage.files(body)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"Records\":[]}",
            "{\"Records\":{}}",
            "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"2026-11-30T19:05:02Z\"}]}",
            // A '%' not followed by two hex digits is not form encoding.
            "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"2026-11-30T19:05:02Z\","
                    + "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/%zz\",\"size\":1,\"eTag\":\"e\"}}}]}",
            "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"2026-11-30T19:05:02Z\","
                    + "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/x\",\"eTag\":\"e\"}}}]}",
            "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"soon\","
                    + "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"incoming/x\",\"size\":1,\"eTag\":\"e\"}}}]}",
            "{\"Event\":\"s3:SomethingElse\"}"})
    void files_malformedEvent_isMalformedMessageException(String body) {
        assertThatThrownBy(() -> QueueMessage.files(body)).isInstanceOf(MalformedMessageException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"incoming/plain.csv", "incoming/sp ace+plus%2F#?&=~*'().csv", "incoming/\"q'\\.csv",
            "incoming/ünï 😀/中文.csv", "incoming/ctl\u0001\u001f\ttab\nnl\r.csv", "incoming/trailing  ",
            "incoming//double//slash/./..", "incoming/\uFFFE\uFFFF.csv"})
    void s3EventKey_encodedAsAwsDoes_decodesByteForByte(String key) {
        // Form encoding, slashes left as they are: "red flower.jpg" arrives as "red+flower.jpg".
        String encoded = java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");

        assertThat(encoded).doesNotContain(" ").matches("[A-Za-z0-9%+/._*\\-]*");
        assertThat(S3EventKey.decode(encoded)).isEqualTo(key);
    }
}
