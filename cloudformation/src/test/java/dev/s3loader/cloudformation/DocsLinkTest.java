package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README is short and the rest is in docs/: every relative link of README.md, docs/*.md and
 * cloudformation/README.md reaches a file that exists, and every {@code #anchor} a heading (or an
 * {@code <a id>}) of the page it names, as GitHub makes anchors.
 */
class DocsLinkTest {

    @Test
    void everyRelativeLinkAndAnchor_resolves() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            Markdown md = new Markdown(page);
            for (Markdown.Link link : md.links()) {
                String target = link.target();
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto:: not this repository's
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = Repo.root().relativize(page) + ":" + link.line() + ": [" + link.text() + "](" + target + ")";
                if (!Files.exists(resolved)) {
                    problems.add(where + ": no file " + Repo.root().relativize(resolved));
                } else if (hash >= 0 && resolved.toString().endsWith(".md")
                        && !new Markdown(resolved).anchors().contains(target.substring(hash + 1))) {
                    problems.add(where + ": no heading or <a id> with anchor #" + target.substring(hash + 1) + " in "
                            + Repo.root().relativize(resolved));
                }
            }
        }

        assertThat(checked).as("relative links checked").isGreaterThan(50);
        assertThat(problems).as("links that do not resolve").isEmpty();
    }

    /** The README stays an entrance: at most 200 lines, and on a fresh machine the demo first, then the tests. */
    @Test
    void readme_isShort_andItsFirstCommandsAreDemoThenTestThenLocal() {
        Markdown readme = new Markdown(Repo.path("README.md"));
        List<String> commands = new ArrayList<>();
        boolean fence = false;
        for (String line : readme.lines()) {
            if (line.startsWith("```")) {
                if (fence && !commands.isEmpty()) {
                    break;
                }
                fence = !fence;
            } else if (fence && !line.isBlank()) {
                commands.add(line.split("\\s+")[0]);
            }
        }

        assertThat(readme.lines()).as("README.md lines").hasSizeLessThanOrEqualTo(200);
        assertThat(commands).as("the README's first commands").startsWith("scripts/demo", "scripts/test", "scripts/local");
    }

    /**
     * A message of the code that sends its reader to the documentation ({@code (docs/design.md, "Exactly
     * once: the ledger")}, {@code see docs/stores.md}) names a page that exists and a heading on it;
     * one that cites a README section names a heading the README has.
     */
    @Test
    void messagesOfTheCode_citePagesAndSectionsThatExist() throws IOException {
        Pattern cited = Pattern.compile("(README|docs/[a-z0-9-]+\\.md)(?:'s)?(?:,? \\\\\"([^\\\\\"]+)\\\\\")?");
        List<String> problems = new ArrayList<>();
        int citations = 0;
        try (Stream<Path> files = Files.walk(Repo.root())) {
            for (Path source : files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> Repo.root().relativize(f).toString().replace('\\', '/').matches("[^/]+/src/main/java/.*"))
                    .toList()) {
                List<String> lines = Files.readAllLines(source);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher string = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(lines.get(i));
                    while (string.find()) {
                        Matcher m = cited.matcher(string.group(1));
                        while (m.find()) {
                            citations++;
                            Path page = Repo.path(m.group(1).equals("README") ? "README.md" : m.group(1));
                            String where = Repo.root().relativize(source) + ":" + (i + 1) + ": " + m.group();
                            if (!Files.exists(page)) {
                                problems.add(where + ": no file " + Repo.root().relativize(page));
                            } else if (m.group(2) != null && !new Markdown(page).anchors().contains(Markdown.slug(m.group(2)))) {
                                problems.add(where + ": no heading '" + m.group(2) + "' in " + Repo.root().relativize(page));
                            }
                        }
                    }
                }
            }
        }

        assertThat(citations).as("citations of the documentation in the code's messages").isPositive();
        assertThat(problems).as("citations that do not resolve").isEmpty();
    }

    /** Slugs as GitHub makes them, on headings of these pages. */
    @Test
    void slug_asGitHubMakesIt() {
        assertThat(Markdown.slug("Audit: checking the promise on a live bucket")).isEqualTo("audit-checking-the-promise-on-a-live-bucket");
        assertThat(Markdown.slug("`s3loader requeue [--prefix P] [--since T] [--yes] [--json]`"))
                .isEqualTo("s3loader-requeue---prefix-p---since-t---yes---json");
        assertThat(Markdown.slug("scripts/local's own refusals")).isEqualTo("scriptslocals-own-refusals");
        assertThat(Markdown.slug("Metrics (namespace `s3loader`, dimension `Pipeline`)"))
                .isEqualTo("metrics-namespace-s3loader-dimension-pipeline");
    }

    static List<Path> pages() throws IOException {
        List<Path> out = new ArrayList<>(List.of(Repo.path("README.md"), Repo.path("cloudformation", "README.md")));
        try (Stream<Path> docs = Files.list(Repo.path("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }
}
