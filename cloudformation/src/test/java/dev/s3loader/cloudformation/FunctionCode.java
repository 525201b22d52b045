package dev.s3loader.cloudformation;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The compiled code behind each function of the template, scanned once per test run. */
final class FunctionCode {
    /**
     * Left out of the scan even where a handler reaches them. The long-lived poller runs in a
     * container, not as this Lambda: its SQS calls are not the Lambda's.
     */
    static final List<String> EXCLUDED = List.of("dev/s3loader/loader/poller/");

    private static final Map<String, SdkCallScanner.Result> SCANS = new ConcurrentHashMap<>();

    private FunctionCode() {
    }

    /** {@code dev.s3loader.lister.ListerHandler} of {@code dev.s3loader.lister.ListerHandler::handleRequest}. */
    static String handlerClass(String handler) {
        int sep = handler.indexOf("::");
        return sep < 0 ? handler : handler.substring(0, sep);
    }

    static String handlerMethod(String handler) {
        int sep = handler.indexOf("::");
        return sep < 0 ? "handleRequest" : handler.substring(sep + 2);
    }

    /**
     * What the container worker's code calls: everything its main class reaches, the poller
     * included (it is the container's own queue consumer).
     */
    static SdkCallScanner.Result scanContainer(String mainClass) {
        return SCANS.computeIfAbsent("container:" + mainClass, h -> {
            var classes = CodeJars.classes(CodeJars.jarFor(mainClass), CodeJars.PROJECT_PACKAGE);
            return SdkCallScanner.scan(classes, Set.of(mainClass.replace('.', '/')), List.of());
        });
    }

    /** What the code a handler reaches calls, reads and publishes. */
    static SdkCallScanner.Result scan(String handler) {
        return SCANS.computeIfAbsent(handler, h -> {
            String cls = handlerClass(h);
            var classes = CodeJars.classes(CodeJars.jarFor(cls), CodeJars.PROJECT_PACKAGE);
            return SdkCallScanner.scan(classes, Set.of(cls.replace('.', '/')), EXCLUDED);
        });
    }
}
