package org.patronijdbc.examples.boot;

import java.util.Map;
import org.patronijdbc.testkit.PatroniCluster;

/** One cluster for every test class of the example: it lives until the JVM exits. */
final class TestCluster {

  static final PatroniCluster CLUSTER = PatroniCluster.builder().members(3).start();

  /**
   * {@code props} as command-line arguments, which win over the application's own
   * application.properties (properties given to {@code SpringApplicationBuilder.properties} are
   * only defaults, which it overrides).
   */
  static String[] args(Map<String, ?> props) {
    return props.entrySet().stream()
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  private TestCluster() {}
}
