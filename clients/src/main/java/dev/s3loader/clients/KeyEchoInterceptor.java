package dev.s3loader.clients;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Lets the S3 client read the answers that echo the object key, whatever the key holds. A key may
 * hold any character, U+0001 included, but XML 1.0 cannot carry it even as a reference: AWS
 * answers CreateMultipartUpload and CompleteMultipartUpload with {@code <Key>..&#x1;..</Key>}
 * (S3Proxy with the raw character), which the SDK's parser rejects, so a large file with such a
 * key could never be copied. Those answers have no EncodingType; s3loader never reads their key
 * (it knows it), only the upload id and etag. So in exactly those answers, characters XML 1.0
 * forbids become U+FFFD. Listings are not touched: they are read with EncodingType=url instead.
 */
public final class KeyEchoInterceptor implements ExecutionInterceptor {
    public static final KeyEchoInterceptor INSTANCE = new KeyEchoInterceptor();
    private static final Set<String> KEY_ECHOING = Set.of("CreateMultipartUpload", "CompleteMultipartUpload");
    private static final Pattern RAW = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]");
    private static final Pattern REFERENCE = Pattern.compile("&#(?:[xX]([0-9A-Fa-f]{1,8})|([0-9]{1,10}));");

    private KeyEchoInterceptor() {
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || !"S3".equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                || !KEY_ECHOING.contains(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
            return body;
        }
        try (InputStream in = body.get()) {
            byte[] bytes = in.readAllBytes();
            String xml = new String(bytes, StandardCharsets.UTF_8);
            String clean = xmlSafe(xml);
            return Optional.of(new ByteArrayInputStream(clean.equals(xml) ? bytes : clean.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the S3 answer", e);
        }
    }

    /** The document with every character (raw or referenced) that XML 1.0 forbids replaced by U+FFFD. */
    static String xmlSafe(String xml) {
        String raw = RAW.matcher(xml).replaceAll("\uFFFD");
        Matcher m = REFERENCE.matcher(raw);
        StringBuilder b = new StringBuilder(raw.length());
        while (m.find()) {
            long c;
            try {
                c = m.group(1) != null ? Long.parseLong(m.group(1), 16) : Long.parseLong(m.group(2));
            } catch (NumberFormatException e) {
                c = -1;
            }
            m.appendReplacement(b, allowed(c) ? Matcher.quoteReplacement(m.group()) : "&#xFFFD;");
        }
        m.appendTail(b);
        return b.toString();
    }

    private static boolean allowed(long c) {
        return c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD
                || c >= 0x10000 && c <= 0x10FFFF;
    }
}
