package dev.s3loader.clients;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyEchoInterceptorTest {
    @Test
    void xmlSafe_awsReferenceAndRawControlCharacters_replacedAndTheRestKept() {
        // AWS's answer for the key "a<U+0001>b" (a reference XML 1.0 forbids), S3Proxy's (raw).
        String aws = "<InitiateMultipartUploadResult><Key>a&#x1;b&#1;&#xd;&#9;&amp;&#x1F600;</Key>"
                + "<UploadId>u-1</UploadId></InitiateMultipartUploadResult>";
        String raw = "<Key>a\u0001b\tc\r\n</Key>";

        assertThat(KeyEchoInterceptor.xmlSafe(aws)).isEqualTo("<InitiateMultipartUploadResult>"
                + "<Key>a&#xFFFD;b&#xFFFD;&#xd;&#9;&amp;&#x1F600;</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>");
        assertThat(KeyEchoInterceptor.xmlSafe(raw)).isEqualTo("<Key>a\uFFFDb\tc\r\n</Key>");
        assertThat(KeyEchoInterceptor.xmlSafe("<Key>plain</Key>")).isEqualTo("<Key>plain</Key>");
    }
}
