package dev.s3loader.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresLiteralTest {
    @Test
    void of_quoteBackslashTab_escapedInAnEscapeString() {
        assertThat(PostgresLiteral.of("a'b\\c\td")).isEqualTo("E'a\\'b\\\\c\\td'");
        assertThat(PostgresLiteral.of("")).isEqualTo("E''");
    }
}
