package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's property table is the user's reference: the build fails when it drifts. */
class ReadmePropertyTableTest {

  private static final Pattern ROW =
      Pattern.compile("^\\| `(\\w+)` \\| (`([^`]*)`|\\(unset\\)) \\|.*");

  @Test
  void readmeListsEveryPropertyWithItsDefault() throws Exception {
    Map<String, String> documented = new LinkedHashMap<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
      if (line.startsWith("#")) {
        inSection = line.equals("### Properties");
      }
      Matcher m = ROW.matcher(line);
      if (inSection && m.matches()) {
        documented.put(m.group(1), m.group(3));
      }
    }
    Map<String, String> actual = new LinkedHashMap<>();
    Arrays.stream(PatroniProperty.values())
        .forEach(p -> actual.put(p.getName(), p.getDefaultValue()));

    assertThat(documented).isEqualTo(actual);
  }
}
