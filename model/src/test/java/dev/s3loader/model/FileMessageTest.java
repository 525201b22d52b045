package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileMessageTest {
    @ParameterizedTest
    @ValueSource(strings = {"incoming/plain.csv", "incoming/sp ace+plus%2F#?&=.csv", "incoming/\"q'\\.csv",
            "incoming/ünï 😀/中文.csv", "incoming/ctl\u0001\u001f\ttab\nnl.csv", "incoming/\uFFFE\uFFFF.csv"})
    void toJson_anyKey_roundTripsAndIsPlainAscii(String key) {
        FileMessage m = new FileMessage("bucket", key, "\"0123abc\"", 42, Instant.parse("2026-11-23T10:15:30.123Z"));

        String json = m.toJson();

        assertThat(json.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(FileMessage.fromJson(json)).isEqualTo(m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "[1,2]", "{\"bucket\":\"b\"}",
            "{\"bucket\":\"b\",\"key\":\"k\",\"etag\":\"e\",\"size\":\"12\",\"lastModified\":\"2026-01-01T00:00:00Z\"}",
            "{\"bucket\":\"b\",\"key\":\"k\",\"etag\":\"e\",\"size\":-1,\"lastModified\":\"2026-01-01T00:00:00Z\"}",
            "{\"bucket\":\"b\",\"key\":\"k\",\"etag\":\"e\",\"size\":1,\"lastModified\":\"yesterday\"}",
            "{\"bucket\":\"b\",\"key\":\"\",\"etag\":\"e\",\"size\":1,\"lastModified\":\"2026-01-01T00:00:00Z\"}"})
    void fromJson_malformed_isMalformedMessageException(String body) {
        assertThatThrownBy(() -> FileMessage.fromJson(body)).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void fromJson_null_isMalformedMessageException() {
        assertThatThrownBy(() -> FileMessage.fromJson(null)).isInstanceOf(MalformedMessageException.class);
    }
}
