package dev.s3loader.local;

import dev.s3loader.model.ConfigException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The loopback ports scripts/local is told to listen on, tried before anything starts: a busy port
 * is one line naming its variable, not a stack trace after the data folder was already swept.
 */
final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** How long a busy port is tried again: a restart right after a stop (or a kill) finds it free within this. */
    private static final long GRACE_MILLIS = 5_000;

    /** @param ports variable name → port (0: any free one, not checked) */
    static void requireFree(Map<String, Integer> ports) {
        ports.forEach((variable, port) -> {
            if (port != 0 && !freeWithin(port)) {
                throw new ConfigException(busy(variable, port));
            }
        });
    }

    private static boolean freeWithin(int port) {
        long deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000;
        while (!free(port)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    static String busy(String variable, int port) {
        return variable + " " + port + " is in use on 127.0.0.1 (another scripts/local, or another server): stop it, or set "
                + variable + " to a free port";
    }

    /** The variable whose port a failed start could not bind, if the failure was a busy port. */
    static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static boolean free(int port) {
        // As the servers bind: loopback, reuse-address (a port in TIME_WAIT is free to them).
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
