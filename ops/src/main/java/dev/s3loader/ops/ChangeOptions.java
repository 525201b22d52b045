package dev.s3loader.ops;

import picocli.CommandLine.Option;

/** The options every verb that moves or deletes shares: nothing changes without --yes; --json for scripts. */
final class ChangeOptions {
    @Option(names = "--yes", description = "do it (without: say what would be done, change nothing)")
    boolean yes;

    @Option(names = "--json", description = "print one JSON object of what was (or would be) done")
    boolean json;
}
