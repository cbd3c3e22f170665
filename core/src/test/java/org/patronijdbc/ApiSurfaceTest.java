package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of core, held to what the README and CHANGELOG say: these types and no other
 * outside {@code org.patronijdbc.internal}, and none of them shows an internal type in a public or
 * protected signature (the internal package is left out of the Javadoc).
 */
class ApiSurfaceTest {

  private static final List<String> API =
      List.of(
          "org.patronijdbc.PatroniConnection",
          "org.patronijdbc.PatroniDataSource",
          "org.patronijdbc.PatroniDriver",
          "org.patronijdbc.PatroniProperty",
          "org.patronijdbc.ReadScope",
          "org.patronijdbc.TopologyChange",
          "org.patronijdbc.TopologyEvent",
          "org.patronijdbc.TopologyEvent$Kind",
          "org.patronijdbc.TopologyListener",
          "org.patronijdbc.micrometer.PatroniMetrics",
          "org.patronijdbc.routing.ReplicaSelection",
          "org.patronijdbc.routing.TargetServerType",
          "org.patronijdbc.topology.ClusterMember",
          "org.patronijdbc.topology.ClusterTopology",
          "org.patronijdbc.topology.ClusterTopology$Source",
          "org.patronijdbc.topology.MemberRole");

  @Test
  void theApiIsTheseTypes() throws Exception {
    assertThat(publicTypesOutsideInternal()).containsExactlyElementsOf(new TreeSet<>(API));
  }

  @Test
  void noApiSignatureShowsAnInternalType() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (String name : API) {
      Class<?> type = Class.forName(name);
      for (Method m : type.getDeclaredMethods()) {
        if (visible(m.getModifiers())
            && !m.isSynthetic()
            && mentionsInternal(m.toGenericString())) {
          leaks.add(m.toGenericString());
        }
      }
      for (Constructor<?> c : type.getDeclaredConstructors()) {
        if (visible(c.getModifiers()) && mentionsInternal(c.toGenericString())) {
          leaks.add(c.toGenericString());
        }
      }
      for (Field f : type.getDeclaredFields()) {
        if (visible(f.getModifiers()) && mentionsInternal(f.toGenericString())) {
          leaks.add(f.toGenericString());
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static boolean mentionsInternal(String signature) {
    return signature.contains("org.patronijdbc.internal.");
  }

  /** Every public class file of core's main output outside the internal package, by name. */
  private static TreeSet<String> publicTypesOutsideInternal()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path root =
        Path.of(PatroniDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name =
            root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
        if (name.startsWith("org.patronijdbc.internal.") || name.endsWith("package-info")) {
          continue;
        }
        Class<?> type = Class.forName(name, false, PatroniDriver.class.getClassLoader());
        if (Modifier.isPublic(type.getModifiers()) && !type.isAnonymousClass()) {
          names.add(name);
        }
      }
    }
    return names;
  }
}
