package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * POST-redirect-GET, as a browser does it, against the example application on a real cluster: the
 * POST saves a greeting and redirects to its page, the GET reads it in a read-only transaction on a
 * replica. With {@code patroni.read-your-writes=session} the position of the POST's commit travels
 * in a cookie (no HTTP session), and the page always finds the greeting.
 */
class ReadYourWritesWebIT {

  private static final int FLOWS = 1000;

  /** Stale pages (404) and pages a replica served, over {@code FLOWS} flows. */
  record Flows(int stale, int failed) {}

  private static Flows run(String readYourWrites) throws Exception {
    Map<String, Object> props = new java.util.LinkedHashMap<>();
    TestCluster.CLUSTER.springBootProperties("postgres").forEach(props::put);
    props.put("server.port", "0");
    props.put("patroni.read-your-writes", readYourWrites);
    props.put("spring.jpa.open-in-view", "false");
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(GreetingApplication.class).run(TestCluster.args(props))) {
      int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
      HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      int stale = 0;
      int failed = 0;
      List<String> cookies = new ArrayList<>();
      for (int i = 0; i < FLOWS; i++) {
        HttpResponse<String> posted =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/greetings"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "text=" + readYourWrites + "-" + System.nanoTime() + "-" + i))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (posted.statusCode() / 100 != 3) {
          failed++;
          continue;
        }
        posted.headers().allValues("Set-Cookie").stream()
            .map(c -> c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
            .forEach(
                c -> {
                  cookies.removeIf(old -> old.startsWith(c.substring(0, c.indexOf('=') + 1)));
                  cookies.add(c);
                });
        String location = posted.headers().firstValue("Location").orElseThrow();
        HttpRequest.Builder get =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port).resolve(location));
        if (!cookies.isEmpty()) {
          get.header("Cookie", String.join("; ", cookies));
        }
        int status = http.send(get.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        if (status == 404) {
          stale++;
        } else if (status != 200) {
          failed++;
        }
      }
      return new Flows(stale, failed);
    }
  }

  /**
   * Transactions the replicas ran in the {@code postgres} database so far (their sessions' stats
   * reach {@code pg_stat_database} when they end or within a second of going idle).
   */
  private static long replicaTransactions() throws Exception {
    Thread.sleep(1500);
    long sum = 0;
    for (Member replica : TestCluster.CLUSTER.replicas()) {
      try (Connection c = TestCluster.CLUSTER.connect(replica);
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                      + " WHERE datname = 'postgres'")) {
        rs.next();
        sum += rs.getLong(1);
      }
    }
    return sum;
  }

  @Test
  void aPostRedirectGetAlwaysFindsWhatThePostSavedUnderSession() throws Exception {
    TestCluster.CLUSTER.awaitHealthy(java.time.Duration.ofSeconds(60));
    Flows off = run("off");
    long before = replicaTransactions();
    Flows session = run("session");
    long onReplicas = replicaTransactions() - before;
    System.out.printf(
        "ReadYourWritesWebIT: %d POST-redirect-GET flows: off %d stale pages (%.1f %%, %d failed), session"
            + " %d stale pages (%d failed), %d transactions on the replicas meanwhile%n",
        FLOWS,
        off.stale(),
        100.0 * off.stale() / FLOWS,
        off.failed(),
        session.stale(),
        session.failed(),
        onReplicas);

    assertThat(off.failed()).isZero();
    assertThat(session.failed()).isZero();
    assertThat(session.stale()).isZero();
    // the pages are read on replicas that caught up, not all on the leader
    assertThat(onReplicas).as("read transactions on the replicas").isGreaterThan(FLOWS / 2);
  }
}
