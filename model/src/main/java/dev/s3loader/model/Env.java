package dev.s3loader.model;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed reads from an environment map. Every error names the variable, so a bad deployment
 * parameter stops start-up with a message an operator can act on.
 */
public final class Env {
    private final Map<String, String> values;

    public Env(Map<String, String> values) {
        this.values = java.util.Collections.unmodifiableMap(values);
    }

    public Optional<String> optional(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String required(String name) {
        return optional(name).orElseThrow(() -> new ConfigException(name + " is required but not set"));
    }

    public String string(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    public int integer(String name, int fallback, int min, int max) {
        long v = parse(name, fallback, Long::parseLong, "a whole number");
        return (int) inRange(name, v, min, max);
    }

    public long longValue(String name, long fallback, long min, long max) {
        return inRange(name, parse(name, fallback, Long::parseLong, "a whole number"), min, max);
    }

    public Duration seconds(String name, Duration fallback, long minSeconds, long maxSeconds) {
        long v = inRange(name, parse(name, fallback.toSeconds(), Long::parseLong, "a number of seconds"), minSeconds, maxSeconds);
        return Duration.ofSeconds(v);
    }

    public Duration minutes(String name, Duration fallback, long minMinutes, long maxMinutes) {
        long v = inRange(name, parse(name, fallback.toMinutes(), Long::parseLong, "a number of minutes"), minMinutes, maxMinutes);
        return Duration.ofMinutes(v);
    }

    public boolean bool(String name, boolean fallback) {
        return optional(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new ConfigException(name + " must be true or false, got '" + v + "'");
        }).orElse(fallback);
    }

    public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
        return optional(name).map(v -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return e;
                }
            }
            throw new ConfigException(name + " must be one of " + names(type) + ", got '" + v + "'");
        }).orElse(fallback);
    }

    public Optional<URI> uri(String name) {
        return optional(name).map(v -> {
            try {
                URI u = URI.create(v);
                if (u.getScheme() == null || u.getHost() == null) {
                    throw new IllegalArgumentException("no scheme or host");
                }
                return u;
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " must be a URL, got '" + v + "'");
            }
        });
    }

    /** A key prefix: non-empty, no leading slash, always ending in '/'. */
    public String prefix(String name, String fallback) {
        String v = string(name, fallback);
        if (v.startsWith("/")) {
            throw new ConfigException(name + " must not start with '/', got '" + v + "'");
        }
        return v.endsWith("/") ? v : v + "/";
    }

    private <T extends Number> long parse(String name, long fallback, Function<String, T> parser, String what) {
        return optional(name).map(v -> {
            try {
                return parser.apply(v).longValue();
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be " + what + ", got '" + v + "'");
            }
        }).orElse(fallback);
    }

    private static long inRange(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static <E extends Enum<E>> String names(Class<E> type) {
        StringBuilder b = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            b.append(b.isEmpty() ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }
}
