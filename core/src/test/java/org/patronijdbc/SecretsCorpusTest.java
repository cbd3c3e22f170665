package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Secrets;

/**
 * Hostile URL shapes, each with a secret of its own: none of the secrets may appear in anything the
 * library or pgjdbc says, whether through SLF4J (captured at TRACE) or java.util.logging (pgjdbc's,
 * captured at ALL), in an exception message or cause, or in the masked URL.
 */
class SecretsCorpusTest {

  /** One URL shape; {@code secret} occurs in it. */
  private record Shape(String url, String secret) {}

  private static final String HOSTS = "127.0.0.1:1";

  private static final List<Shape> CORPUS =
      List.of(
          new Shape("jdbc:patroni:postgresql://" + HOSTS + "?password=nodb-S1", "nodb-S1"),
          new Shape("jdbc:patroni:postgresql://app:se?cret-S2@" + HOSTS + "/db", "cret-S2"),
          new Shape("jdbc:patroni:postgresql://app:se/cr@et-S3@" + HOSTS + "/db", "et-S3"),
          new Shape("jdbc:patroni:postgresql://" + HOSTS + "/db?password=ab,cd-S4&user=u", "cd-S4"),
          new Shape("jdbc:patroni:postgresql://" + HOSTS + "/db?password=ab;cd-S5&user=u", "cd-S5"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db?password=a%26b%3Dc-S6&user=u", "c-S6"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db?sslpassword=ssl-S7&user=u", "ssl-S7"),
          new Shape(
              "jdbc:patroni:postgresql://"
                  + HOSTS
                  + "/db?patroniUser=u&patroniPassword=rest-S8&patroniUrls=http://127.0.0.1:1",
              "rest-S8"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db?readOnlyUser=r&readOnlyPassword=ro-S9",
              "ro-S9"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db?PassWord=mixed-S10&user=u", "mixed-S10"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db//x?password=slash-S11", "slash-S11"),
          new Shape(
              "jdbc:patroni:postgresql://" + HOSTS + "/db?pass%77ord=encoded-S12", "encoded-S12"),
          new Shape("jdbc:patroni:postgresql://" + HOSTS + "/db?password=", "="),
          // parsed only: connecting would look the names up and reach past loopback
          new Shape(
              "jdbc:patroni:postgresql://h_1:5432,[fe80::1%25eth0]:5432/db?password=zone-S13",
              "zone-S13"));

  /**
   * Runs the corpus in a JVM of its own, whose SLF4J logs everything (TRACE: the tests' own
   * configuration logs INFO and up, and the simple logger reads its level once per JVM).
   */
  @Test
  void noSecretOfAnyShapeReachesALogAMessageOrTheMaskedUrl() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace",
                SecretsCorpusTest.class.getName())
            .redirectErrorStream(true)
            .start();
    String everything = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(everything).isZero();
    assertThat(everything).as("logged at DEBUG and TRACE too").contains("DEBUG");

    for (Shape shape : CORPUS) {
      if (shape.secret().equals("=")) {
        continue; // an empty password: nothing to find
      }
      assertThat(everything).as(shape.url()).doesNotContain(shape.secret());
    }
    int said = Integer.parseInt(everything.replaceAll("(?s).*\\nSAID (\\d+)\\n.*", "$1"));
    assertThat(said).isGreaterThan(4 * (CORPUS.size() - 2));
  }

  /** The corpus: everything the library says about each shape, on stdout, SLF4J on stderr. */
  public static void main(String[] args) throws Exception {
    ByteArrayOutputStream slf4j = new ByteArrayOutputStream();
    List<String> jul = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            jul.add(
                r.getMessage()
                    + " "
                    + (r.getParameters() == null ? "" : List.of(r.getParameters()))
                    + " "
                    + r.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger pgjdbc = Logger.getLogger("org.postgresql");
    Level level = pgjdbc.getLevel();
    pgjdbc.setLevel(Level.ALL);
    pgjdbc.addHandler(handler);
    PrintStream err = System.err;
    List<String> said = new ArrayList<>();
    try {
      System.setErr(new PrintStream(slf4j, true, StandardCharsets.UTF_8));
      for (Shape shape : CORPUS) {
        Properties info = new Properties();
        info.setProperty("failoverTimeoutMs", "300");
        said.add(Secrets.mask(shape.url()));
        said.add(messages(catchThrowable(() -> PatroniConfig.parse(shape.url(), info))));
        if (!shape.url().contains(HOSTS)) {
          continue;
        }
        said.add(messages(catchThrowable(() -> DriverManager.getConnection(shape.url(), info))));
        PatroniDataSource ds = new PatroniDataSource(shape.url());
        ds.setFailoverTimeoutMs(300); // nothing answers: no need to wait 30 s for it
        said.add(ds.toString());
        said.add(messages(catchThrowable(ds::getConnection)));
        ds.close();
      }
    } finally {
      System.setErr(err);
      pgjdbc.removeHandler(handler);
      pgjdbc.setLevel(level);
      PatroniDriver.releaseAll();
    }
    String everything =
        String.join("\n", said)
            + "\n"
            + slf4j.toString(StandardCharsets.UTF_8)
            + "\n"
            + String.join("\n", jul);

    System.out.println(everything);
    System.out.println();
    System.out.println("SAID " + said.size());
    System.out.flush();
  }

  /** Every message and cause message of {@code t}, suppressed ones included. */
  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append('\n');
      for (Throwable s : c.getSuppressed()) {
        sb.append(messages(s));
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return sb.toString();
  }
}
