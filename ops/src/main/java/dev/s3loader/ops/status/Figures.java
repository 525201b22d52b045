package dev.s3loader.ops.status;

import java.time.Duration;
import java.util.Locale;

/** Numbers as a person reads them (status and the audit's report): thousands separated, bytes in binary units, ages in the largest fitting unit. */
public final class Figures {
    private Figures() {
    }

    public static String count(long v, String noun) {
        return count(v, noun, noun + "s");
    }

    public static String count(long v, String noun, String plural) {
        return n(v) + " " + (v == 1 ? noun : plural);
    }

    /** "once", "twice"-free: "once" or "N times". */
    public static String times(long v) {
        return v == 1 ? "once" : n(v) + " times";
    }

    public static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return (s / 60) + "m";
        }
        if (s < 172_800) {
            return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
        }
        return (s / 86_400) + "d";
    }
}
