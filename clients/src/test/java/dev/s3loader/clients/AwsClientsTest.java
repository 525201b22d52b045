package dev.s3loader.clients;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The url-connection client keeps as many idle connections as the loader runs requests at once. */
class AwsClientsTest {
    @Test
    void http_keepsMoreThanTheJdkDefaultOfFiveIdleConnections() {
        AwsClients.http().close();

        assertThat(System.getProperty("http.maxConnections")).as("http.maxConnections once a client is built")
                .isNotNull().satisfies(v -> assertThat(Integer.parseInt(v)).isGreaterThanOrEqualTo(32));
    }
}
