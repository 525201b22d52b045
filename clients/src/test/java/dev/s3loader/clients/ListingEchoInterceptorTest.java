package dev.s3loader.clients;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/** The echoes the SDK decodes become the request's own values, url-encoded; everything else stays. */
class ListingEchoInterceptorTest {

    @Test
    void echoesRepaired_unencodedStartAfterAndDelimiter_becomeTheRequestsEncoded() {
        // moto's answer: the keys encoded, StartAfter and Delimiter as sent (a bare '%', a U+0001).
        String moto = "<ListBucketResult><Contents><Key>incoming/100%25-01</Key></Contents><Prefix>incoming/</Prefix>"
                + "<Delimiter>%q</Delimiter><EncodingType>url</EncodingType><StartAfter>incoming/100%-00 \u0001</StartAfter>"
                + "</ListBucketResult>";
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket("b").prefix("incoming/")
                .encodingType(EncodingType.URL).startAfter("incoming/100%-00 \u0001").delimiter("%q").build();

        String repaired = ListingEchoInterceptor.echoesRepaired(moto, request);

        assertThat(repaired).isEqualTo("<ListBucketResult><Contents><Key>incoming/100%25-01</Key></Contents>"
                + "<Prefix>incoming/</Prefix><Delimiter>%25q</Delimiter><EncodingType>url</EncodingType>"
                + "<StartAfter>incoming%2F100%25-00%20%01</StartAfter></ListBucketResult>");
    }

    @Test
    void echoesRepaired_noStartAfterSent_dropsAnEchoedOne() {
        String answer = "<ListBucketResult><StartAfter>x</StartAfter><KeyCount>0</KeyCount></ListBucketResult>";

        String repaired = ListingEchoInterceptor.echoesRepaired(answer,
                ListObjectsV2Request.builder().bucket("b").encodingType(EncodingType.URL).build());

        assertThat(repaired).isEqualTo("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>");
    }
}
