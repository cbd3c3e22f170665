package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/** The monitor trusts an answer only if it is its cluster's and does not go back in time. */
public class TopologyTrustTest {

  private final List<MockWebServer> servers = new CopyOnWriteArrayList<>();

  /** A /cluster answer: {@code leader} on {@code timeline}, one replica, in {@code scope}. */
  public static String cluster(String scope, String leader, int timeline) {
    String replica = leader.equals("n1") ? "n2" : "n1";
    return "{\"scope\": \""
        + scope
        + "\", \"members\": ["
        + "{\"name\": \""
        + leader
        + "\", \"role\": \"leader\", \"state\": \"running\", \"host\": \"127.0.0.1\","
        + " \"port\": 5432, \"timeline\": "
        + timeline
        + "}, {\"name\": \""
        + replica
        + "\", \"role\": \"replica\", \"state\": \"streaming\", \"host\": \"127.0.0.1\","
        + " \"port\": 5433, \"timeline\": "
        + timeline
        + ", \"lag\": 0}]}";
  }

  private MockWebServer serve(AtomicReference<String> body, AtomicInteger requests)
      throws IOException {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            requests.incrementAndGet();
            return new MockResponse.Builder().body(body.get()).build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    servers.add(server);
    return server;
  }

  @AfterEach
  void stop() {
    servers.forEach(MockWebServer::close);
  }

  private static PatroniDataSource dataSource(String params, MockWebServer... endpoints) {
    StringBuilder urls = new StringBuilder();
    for (MockWebServer s : endpoints) {
      urls.append(urls.length() == 0 ? "" : ",").append("http://127.0.0.1:").append(s.getPort());
    }
    return new PatroniDataSource(
        "jdbc:patroni:postgresql://127.0.0.1:5432/db?topologyRefreshMs=50&patroniUrls="
            + urls
            + params);
  }

  private static String leaderOf(PatroniDataSource ds) throws Exception {
    return ds.topology().flatMap(ClusterTopology::leader).map(ClusterMember::name).orElse("");
  }

  private static void awaitRequests(AtomicInteger requests, int atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (requests.get() < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(requests.get()).isGreaterThanOrEqualTo(atLeast);
  }

  @Test
  void ignoresAnswersFromAnotherScope() throws Exception {
    AtomicReference<String> other = new AtomicReference<>(cluster("other", "n1", 3));
    AtomicReference<String> ours = new AtomicReference<>(cluster("demo", "n2", 3));
    AtomicInteger otherRequests = new AtomicInteger();
    AtomicInteger ourRequests = new AtomicInteger();
    MockWebServer a = serve(other, otherRequests);
    MockWebServer b = serve(ours, ourRequests);
    try (PatroniDataSource ds = dataSource("&patroniScope=demo", a, b)) {
      List<String> leaders = new CopyOnWriteArrayList<>();
      ds.addTopologyListener(c -> leaders.add(c.current().leader().get().name()));
      awaitRequests(otherRequests, 3);
      awaitRequests(ourRequests, 3);

      assertThat(ds.topology()).map(ClusterTopology::scope).contains("demo");
      assertThat(leaderOf(ds)).isEqualTo("n2");
      // the listener is added once the monitor runs: its first change may come before it
      assertThat(leaders).doesNotContain("n1");
    }
  }

  @Test
  void followsTheFirstAnswersScopeWhenNoneIsConfigured() throws Exception {
    AtomicReference<String> body = new AtomicReference<>(cluster("demo", "n1", 3));
    AtomicInteger requests = new AtomicInteger();
    MockWebServer a = serve(body, requests);
    try (PatroniDataSource ds = dataSource("", a)) {
      ds.topology(); // starts the monitor
      awaitRequests(requests, 2);
      body.set(cluster("other", "n2", 9));
      int seen = requests.get();
      awaitRequests(requests, seen + 5);

      assertThat(leaderOf(ds)).isEqualTo("n1");
    }
  }

  @Test
  void neverAcceptsALeaderOnAnOlderTimeline() throws Exception {
    AtomicReference<String> body = new AtomicReference<>(cluster("demo", "n1", 5));
    AtomicInteger requests = new AtomicInteger();
    MockWebServer a = serve(body, requests);
    try (PatroniDataSource ds = dataSource("", a)) {
      ds.topology(); // starts the monitor
      awaitRequests(requests, 2);
      assertThat(leaderOf(ds)).isEqualTo("n1");

      body.set(cluster("demo", "n2", 4)); // a stale view: n2 led on timeline 4, before n1
      int seen = requests.get();
      awaitRequests(requests, seen + 5);
      assertThat(leaderOf(ds)).isEqualTo("n1");

      body.set(cluster("demo", "n2", 6)); // a real promotion
      seen = requests.get();
      awaitRequests(requests, seen + 3);
      assertThat(leaderOf(ds)).isEqualTo("n2");
    }
  }

  @Test
  void twoEndpointsThatDisagreeNeverMoveTheLeaderBackwards() throws Exception {
    AtomicInteger currentRequests = new AtomicInteger();
    AtomicInteger staleRequests = new AtomicInteger();
    MockWebServer current = serve(new AtomicReference<>(cluster("demo", "n1", 5)), currentRequests);
    AtomicReference<String> staleBody = new AtomicReference<>(cluster("demo", "n1", 5));
    MockWebServer stale = serve(staleBody, staleRequests);
    try (PatroniDataSource ds = dataSource("", current, stale)) {
      List<String> leaders = new CopyOnWriteArrayList<>();
      ds.addTopologyListener(c -> leaders.add(c.current().leader().get().name()));
      awaitRequests(currentRequests, 2);
      awaitRequests(staleRequests, 2);
      staleBody.set(cluster("demo", "n2", 3)); // this member's DCS view fell behind
      int seen = staleRequests.get();
      awaitRequests(staleRequests, seen + 3);
      awaitRequests(currentRequests, currentRequests.get() + 2);

      assertThat(leaderOf(ds)).isEqualTo("n1");
      assertThat(leaders).doesNotContain("n2");
    }
  }
}
