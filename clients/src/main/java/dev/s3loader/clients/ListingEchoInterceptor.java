package dev.s3loader.clients;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Makes the request's own StartAfter and Delimiter what a ListObjectsV2 answer with
 * {@code EncodingType=url} echoes. AWS url-encodes them there and the SDK decodes them; moto 5
 * echoes them as sent, and the SDK's decoder then fails on any {@code %} that is not an escape
 * ("URLDecoder: Illegal hex characters in escape (%) pattern"): a lister whose range boundary held
 * a {@code %} failed every run. s3loader never reads the echoes (it knows what it sent), so the
 * answer's are replaced by the request's, url-encoded: on AWS that changes nothing.
 */
public final class ListingEchoInterceptor implements ExecutionInterceptor {
    public static final ListingEchoInterceptor INSTANCE = new ListingEchoInterceptor();
    private static final Pattern START_AFTER = Pattern.compile("<StartAfter>[^<]*</StartAfter>");
    private static final Pattern DELIMITER = Pattern.compile("<Delimiter>[^<]*</Delimiter>");

    private ListingEchoInterceptor() {
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || !(context.request() instanceof ListObjectsV2Request request)
                || request.encodingType() != EncodingType.URL || !context.httpResponse().isSuccessful()) {
            return body;
        }
        try (InputStream in = body.get()) {
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Optional.of(new ByteArrayInputStream(echoesRepaired(xml, request).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the S3 listing", e);
        }
    }

    static String echoesRepaired(String xml, ListObjectsV2Request request) {
        String out = replace(xml, START_AFTER, "StartAfter", request.startAfter());
        return replace(out, DELIMITER, "Delimiter", request.delimiter());
    }

    private static String replace(String xml, Pattern element, String name, String sent) {
        Matcher m = element.matcher(xml);
        if (!m.find()) {
            return xml;
        }
        String echo = sent == null ? "" : "<" + name + ">" + SdkHttpUtils.urlEncode(sent) + "</" + name + ">";
        return xml.substring(0, m.start()) + echo + xml.substring(m.end());
    }
}
