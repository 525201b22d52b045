package dev.s3loader.loader.destination.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP relay in front of the database, so a test can take "the database" away the way
 * a network or a crash does: refuse connections, reset them in the middle of a COPY, or reset
 * them right after a COMMIT was sent and before its answer comes back. The server itself keeps
 * running, shared with the other tests.
 */
public final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private final AtomicReference<byte[]> cutMarker = new AtomicReference<>();
    private final AtomicLong cutAfterBytes = new AtomicLong(-1);
    private final java.util.concurrent.atomic.AtomicInteger cuts = new java.util.concurrent.atomic.AtomicInteger();

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        start();
    }

    public int port() {
        return port;
    }

    /** How many armed cuts have fired: proof a test's failure really happened where it meant it to. */
    public int cuts() {
        return cuts.get();
    }

    /** Accepts connections again (on the same port). */
    public synchronized void start() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            listener = s;
            Thread.ofPlatform().daemon(true).name("tcp-proxy-accept").start(() -> accept(s));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + port, e);
        }
    }

    /** Refuses new connections and resets every open one: the database is "down". */
    public synchronized void stop() {
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException e) {
            // already closed
        }
        sockets.forEach(TcpProxy::reset);
        sockets.clear();
    }

    /** Once: after a client sends {@code marker} (e.g. COMMIT), let the server have it, then reset before the answer. */
    public void cutAfterClientSends(String marker) {
        cutMarker.set(marker.getBytes(StandardCharsets.US_ASCII));
    }

    /** Once: reset the connection that has sent this many more bytes to the server (mid-COPY). */
    public void cutAfterClientBytes(long bytes) {
        cutAfterBytes.set(bytes);
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(server);
                Connection c = new Connection(client, server);
                Thread.ofPlatform().daemon(true).name("tcp-proxy-up").start(c::up);
                Thread.ofPlatform().daemon(true).name("tcp-proxy-down").start(c::down);
            } catch (IOException e) {
                return;
            }
        }
    }

    private final class Connection {
        private final Socket client;
        private final Socket server;
        private volatile boolean muted;
        /** Counted down when the server has answered what was sent before the cut: it has acted on it. */
        private final CountDownLatch answered = new CountDownLatch(1);

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Client to server, watching for the cut conditions. */
        void up() {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long budget = cutAfterBytes.get();
                    if (budget >= 0) {
                        long left = cutAfterBytes.addAndGet(-n);
                        if (left < 0 && cutAfterBytes.compareAndSet(left, -1)) {
                            cuts.incrementAndGet();
                            kill();
                            return;
                        }
                    }
                    byte[] marker = cutMarker.get();
                    boolean cut = marker != null && contains(buf, n, marker) && cutMarker.compareAndSet(marker, null);
                    if (cut) {
                        muted = true; // before the server can answer: the answer never reaches the client
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    if (cut) {
                        cuts.incrementAndGet();
                        // Reset only once the server has finished with the message (its answer, which
                        // the client never sees, ends in ReadyForQuery): a reset before that could
                        // discard the unread COMMIT, a different failure from the one the test names.
                        // (A server that never answers is reset after a minute; the test then fails on its own.)
                        answered.await(60, TimeUnit.SECONDS);
                        kill();
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // either side went away
            }
            kill();
        }

        void down() {
            byte[] buf = new byte[16 * 1024];
            ReadyForQuery ready = new ReadyForQuery();
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!muted) {
                        out.write(buf, 0, n);
                        out.flush();
                    } else if (ready.seenIn(buf, n)) {
                        answered.countDown();
                    }
                }
            } catch (IOException e) {
                // either side went away
            }
            kill();
        }

        void kill() {
            reset(client);
            reset(server);
            sockets.remove(client);
            sockets.remove(server);
        }
    }

    /**
     * Spots PostgreSQL's ReadyForQuery message ('Z', length 5, status) in the server's stream, even
     * when it arrives split over two reads.
     */
    private static final class ReadyForQuery {
        private static final byte[] HEAD = {'Z', 0, 0, 0, 5};
        private int matched;

        boolean seenIn(byte[] buf, int n) {
            for (int i = 0; i < n; i++) {
                matched = buf[i] == HEAD[matched] ? matched + 1 : buf[i] == HEAD[0] ? 1 : 0;
                if (matched == HEAD.length) {
                    matched = 0;
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean contains(byte[] buf, int n, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= n; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (buf[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, as a crashed peer
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        stop();
    }
}
