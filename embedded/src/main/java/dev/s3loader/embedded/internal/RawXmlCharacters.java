package dev.s3loader.embedded.internal;

import com.ctc.wstx.api.InvalidCharHandler;
import com.ctc.wstx.api.WstxOutputProperties;
import java.lang.reflect.Field;
import javax.xml.stream.XMLOutputFactory;
import org.gaul.s3proxy.S3Proxy;

/**
 * Makes S3Proxy answer, as AWS does, with a complete response when a key holds a character XML 1.0
 * forbids (U+0001). Its XML writer (Woodstox) throws on such a character in the middle of the
 * answer, so the client reads a truncated body ("Unexpected EOF") even for CreateMultipartUpload,
 * where AWS answers 200 with {@code &#x1;} in the key. Here the character is written as it is:
 * like AWS's reference, a strict parser rejects it, unless the client asked for URL-encoded keys
 * (listings) or reads such answers leniently (the project's {@code KeyEchoInterceptor}).
 */
public final class RawXmlCharacters {
    private static final InvalidCharHandler AS_IS = c -> (char) c;

    private RawXmlCharacters() {
    }

    /** Sets the handler on the XML writer factory of a not yet started S3Proxy (private fields). */
    public static void install(S3Proxy proxy) {
        try {
            Object jetty = field(S3Proxy.class, "handler").get(proxy);
            Object handler = field(jetty.getClass(), "handler").get(jetty);
            XMLOutputFactory factory = (XMLOutputFactory) field(handler.getClass(), "xmlOutputFactory").get(handler);
            factory.setProperty(WstxOutputProperties.P_OUTPUT_INVALID_CHAR_HANDLER, AS_IS);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this S3Proxy version has no Woodstox XML writer to configure", e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
