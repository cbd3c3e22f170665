package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/** The REST endpoints a monitor asks: rotation, silence, and discovery that never downgrades. */
class EndpointsTest {

  private static ClusterTopology withApis(String... apiUrls) {
    ClusterMember[] members = new ClusterMember[apiUrls.length];
    for (int i = 0; i < apiUrls.length; i++) {
      members[i] =
          new ClusterMember(
              "n" + i,
              MemberRole.REPLICA,
              "streaming",
              "127.0.0.1",
              5432 + i,
              1,
              OptionalLong.of(0),
              Map.of(),
              apiUrls[i]);
    }
    return new ClusterTopology(
        "t", List.of(members), Instant.now(), ClusterTopology.Source.PATRONI);
  }

  @Test
  void httpsEndpointsAreNeverSupplementedWithPlainHttpOnes() {
    Endpoints e = new Endpoints(List.of("https://127.0.0.1:8008"), true);
    e.discover(withApis("http://127.0.0.1:8009", "https://127.0.0.1:8010"), url -> true);

    assertThat(e.order(0)).containsExactly("https://127.0.0.1:8008", "https://127.0.0.1:8010");
  }

  @Test
  void oneHttpsEndpointAmongPlainOnesIsEnoughToRefuseHttp() {
    Endpoints e = new Endpoints(List.of("http://127.0.0.1:8008", "https://127.0.0.1:8018"), true);
    e.discover(withApis("http://127.0.0.1:8009"), url -> true);

    assertThat(e.order(0)).doesNotContain("http://127.0.0.1:8009");
  }

  @Test
  void discoveryAddsOnlyAllowedHostsAndNothingWhenOff() {
    Endpoints on = new Endpoints(List.of("http://127.0.0.1:8008"), true);
    on.discover(
        withApis("http://127.0.0.1:8009", "http://127.0.0.2:8009"),
        url -> url.startsWith("http://127.0.0.1:"));
    Endpoints off = new Endpoints(List.of("http://127.0.0.1:8008"), false);
    off.discover(withApis("http://127.0.0.1:8009"), url -> true);

    assertThat(on.order(0)).containsExactly("http://127.0.0.1:8008", "http://127.0.0.1:8009");
    assertThat(off.order(0)).containsExactly("http://127.0.0.1:8008");
  }

  @Test
  void aSilentEndpointGoesLastForAWhile() {
    Endpoints e = new Endpoints(List.of("http://a:1", "http://b:1", "http://c:1"), false);
    e.silent("http://a:1", 0);

    assertThat(e.order(1)).containsExactly("http://b:1", "http://c:1", "http://a:1");
    assertThat(e.order(Endpoints.SILENT_MS * 1_000_000 + 1))
        .containsExactly("http://a:1", "http://b:1", "http://c:1");
  }
}
