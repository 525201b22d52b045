package dev.s3loader.embedded.internal;

import java.lang.reflect.Field;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.http.HttpHeader;
import org.gaul.shaded.org.eclipse.jetty.io.Content;
import org.gaul.shaded.org.eclipse.jetty.server.Handler;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Response;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.util.Callback;

/**
 * Makes S3Proxy read the rest of a request body after it has answered, before the connection is
 * finished with.
 *
 * <p>S3Proxy rejects a PUT whose precondition fails (If-Match, If-None-Match: 412) without reading
 * its body; Jetty then closes the connection while the client is still sending it. A client that
 * writes the whole body before reading the answer, as the JDK's HttpURLConnection (the SDK's
 * url-connection client) does, then fails with "Error writing request body to server" instead of
 * seeing the 412, often on every retry. AWS S3 returns the 412. Draining the body after the answer
 * gives the same result here: the client finishes writing, then reads the 412.
 *
 * <p>Not done for requests with {@code Expect: 100-continue}: Jetty sends "100 Continue" only when
 * S3Proxy starts reading, so for a rejected request the client never sends the body and draining
 * would wait for the socket timeout. Those requests stay as S3Proxy serves them (see
 * {@link dev.s3loader.clients.NoExpectContinueInterceptor}). Bodies above {@link #MAX_DRAIN_BYTES}
 * are not drained either: Jetty closes the connection as before.
 */
public final class DrainRequestBody extends Handler.Wrapper {
    static final long MAX_DRAIN_BYTES = 256L * 1024 * 1024;

    private DrainRequestBody(Handler handler) {
        super(handler);
    }

    /** Wraps the handler of a not yet started S3Proxy (its Jetty server is a private field). */
    public static void install(S3Proxy proxy) {
        try {
            Field field = S3Proxy.class.getDeclaredField("server");
            field.setAccessible(true);
            Server server = (Server) field.get(proxy);
            server.setHandler(new DrainRequestBody(server.getHandler()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this S3Proxy version has no Jetty server field to wrap", e);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.getHeaders().contains(HttpHeader.EXPECT)) {
            return super.handle(request, response, callback);
        }
        return super.handle(request, response, new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                drain(request, getCallback(), 0);
            }
        });
    }

    private static void drain(Request request, Callback done, long drained) {
        long total = drained;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                long soFar = total;
                request.demand(() -> drain(request, done, soFar));
                return;
            }
            total += chunk.remaining();
            chunk.release();
            if (chunk.isLast() || Content.Chunk.isFailure(chunk) || total > MAX_DRAIN_BYTES) {
                done.succeeded();
                return;
            }
        }
    }
}
