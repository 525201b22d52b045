package dev.s3loader.clients;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EtagsTest {
    @Test
    void same_quotesAndCaseDiffer_isTheSameVersion() {
        assertThat(Etags.same("\"9b2cf535f27731c974343645a3985328\"", "9B2CF535F27731C974343645A3985328")).isTrue();
        assertThat(Etags.same("\"abc-2\"", "\"abc-2\"")).isTrue();
    }

    @Test
    void same_otherDigitsOrNull_isNot() {
        assertThat(Etags.same("\"abc\"", "\"abd\"")).isFalse();
        assertThat(Etags.same(null, "\"abc\"")).isFalse();
        assertThat(Etags.same("\"abc\"", null)).isFalse();
    }
}
