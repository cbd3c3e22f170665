package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

class ClusterJsonReaderTest {

  static String fixture(String name) throws IOException {
    try (InputStream in = ClusterJsonReaderTest.class.getResourceAsStream("/patroni/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsPatroni302() throws Exception {
    ClusterTopology t = ClusterJsonReader.read(fixture("cluster-3.0.2.json"), "test");

    assertThat(t.scope()).isEmpty();
    assertThat(t.leader()).map(ClusterMember::name).contains("n1");
    ClusterMember n3 = t.member("n3").orElseThrow();
    assertThat(n3.role()).isEqualTo(MemberRole.REPLICA);
    assertThat(n3.isRunning()).isTrue();
    assertThat(n3.lagBytes()).isEqualTo(OptionalLong.of(16187808));
    assertThat(n3.isNoLoadBalance()).isTrue();
    assertThat(n3.apiUrl()).isEqualTo("http://127.0.0.1:18003");
    assertThat(n3.address()).isEqualTo("127.0.0.1:15433");
  }

  @Test
  void readsPatroni41() throws Exception {
    ClusterTopology t = ClusterJsonReader.read(fixture("cluster-4.1.json"), "test");

    assertThat(t.scope()).isEqualTo("demo");
    assertThat(t.leader()).map(ClusterMember::timeline).contains(7L);
    assertThat(t.member("pg2").orElseThrow().role()).isEqualTo(MemberRole.SYNC_STANDBY);
    assertThat(t.member("pg2").orElseThrow().isRunning()).isTrue(); // "streaming"
    assertThat(t.member("pg3").orElseThrow().role()).isEqualTo(MemberRole.QUORUM_STANDBY);
    assertThat(t.member("pg3").orElseThrow().lagBytes()).isEqualTo(OptionalLong.of(2048));
    assertThat(t.member("pg3").orElseThrow().apiUrl()).isEqualTo("https://127.0.1.3:8008");
  }

  @Test
  void unknownLagIsEmptyAndAStoppingMemberIsNotRunning() throws Exception {
    ClusterTopology t = ClusterJsonReader.read(fixture("cluster-3.0.2-switchover.json"), "test");

    ClusterMember n1 = t.member("n1").orElseThrow();
    assertThat(n1.lagBytes()).isEmpty();
    assertThat(n1.isRunning()).isFalse();
    assertThat(n1.timeline()).isEqualTo(-1);
    assertThat(t.leader()).map(ClusterMember::name).contains("n2");
  }

  @Test
  void ignoresInvalidAndDuplicateMembers() throws Exception {
    String body =
        """
        {"members": [
          {"name": "ok", "role": "leader", "state": "running", "host": "127.0.0.1", "port": 5432},
          {"name": "ok", "role": "replica", "state": "running", "host": "127.0.0.2", "port": 5432},
          {"name": "badport", "role": "replica", "state": "running", "host": "127.0.0.1", "port": 70000},
          {"name": "negport", "role": "replica", "state": "running", "host": "127.0.0.1", "port": -1},
          {"name": "strport", "role": "replica", "state": "running", "host": "127.0.0.1", "port": "5432"},
          {"name": "badhost", "role": "replica", "state": "running", "host": "a b;c", "port": 5432},
          {"role": "replica", "state": "running", "host": "127.0.0.1", "port": 5432},
          42
        ]}
        """;
    ClusterTopology t = ClusterJsonReader.read(body, "test");

    assertThat(t.members()).extracting(ClusterMember::name).containsExactly("ok");
    assertThat(t.members().get(0).host()).isEqualTo("127.0.0.1");
  }

  @Test
  void twoLeadersMeanNoLeader() throws Exception {
    String body =
        """
        {"members": [
          {"name": "a", "role": "leader", "state": "running", "host": "127.0.0.1", "port": 5432},
          {"name": "b", "role": "leader", "state": "running", "host": "127.0.0.2", "port": 5432}
        ]}
        """;
    ClusterTopology t = ClusterJsonReader.read(body, "test");

    assertThat(t.leader()).isEmpty();
    assertThat(t.members()).extracting(ClusterMember::role).containsOnly(MemberRole.UNKNOWN);
  }

  @Test
  void rejectsWhatIsNotPatroniJson() {
    for (String body :
        new String[] {
          "<html><body>502 Bad Gateway</body></html>",
          "{\"state\": \"running\"}",
          "[]",
          "",
          "{\"members\": {}}",
          "[".repeat(5000) + "]".repeat(5000)
        }) {
      assertThatThrownBy(() -> ClusterJsonReader.read(body, "test"))
          .isInstanceOf(IOException.class);
    }
  }

  private static String oneReplica(String fields) {
    return "{\"members\": [{\"name\": \"n1\", \"role\": \"leader\", \"state\": \"running\","
        + " \"host\": \"127.0.0.1\", \"port\": 5432, \"timeline\": 2},"
        + " {\"name\": \"n2\", \"role\": \"replica\", \"state\": \"streaming\","
        + " \"host\": \"127.0.0.1\", \"port\": 5433, \"timeline\": 2, "
        + fields
        + "}]}";
  }

  @Test
  void takesTheLargerOfLagAndReplayLag() throws Exception {
    ClusterTopology t =
        ClusterJsonReader.read(oneReplica("\"lag\": 100, \"replay_lag\": 4096"), "test");
    assertThat(t.member("n2").orElseThrow().lagBytes()).isEqualTo(OptionalLong.of(4096));

    t = ClusterJsonReader.read(oneReplica("\"lag\": 5000, \"replay_lag\": 10"), "test");
    assertThat(t.member("n2").orElseThrow().lagBytes()).isEqualTo(OptionalLong.of(5000));

    t = ClusterJsonReader.read(oneReplica("\"lag\": \"unknown\", \"replay_lag\": 10"), "test");
    assertThat(t.member("n2").orElseThrow().lagBytes()).isEmpty();

    t = ClusterJsonReader.read(oneReplica("\"lag\": 10, \"replay_lag\": \"unknown\""), "test");
    assertThat(t.member("n2").orElseThrow().lagBytes()).isEmpty();
  }

  @Test
  void readsNoLoadBalanceAsPatroniDoes() throws Exception {
    for (String value : new String[] {"true", "1", "\"yes\"", "\"true\"", "\"false\""}) {
      ClusterTopology t =
          ClusterJsonReader.read(
              oneReplica("\"lag\": 0, \"tags\": {\"noloadbalance\": " + value + "}"), "test");
      assertThat(t.member("n2").orElseThrow().isNoLoadBalance()).as(value).isTrue();
    }
    for (String value : new String[] {"false", "0", "\"\"", "null"}) {
      ClusterTopology t =
          ClusterJsonReader.read(
              oneReplica("\"lag\": 0, \"tags\": {\"noloadbalance\": " + value + "}"), "test");
      assertThat(t.member("n2").orElseThrow().isNoLoadBalance()).as(value).isFalse();
    }
  }

  @Test
  void anAnswerNamingMoreMembersThanAnyClusterHasIsRefused() {
    StringBuilder body = new StringBuilder("{\"members\": [");
    for (int i = 0; i <= ClusterJsonReader.MAX_MEMBERS; i++) {
      body.append(i == 0 ? "" : ",")
          .append("{\"name\": \"m")
          .append(i)
          .append("\", \"role\": \"replica\", \"host\": \"h\", \"port\": 5432}");
    }
    body.append("]}");

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ClusterJsonReader.read(body.toString(), "test"))
        .isInstanceOf(ClusterJsonReader.TooManyMembers.class);
  }

  @Test
  void hostsWithUnderscoresAndIpv6ZonesAreMembers() throws Exception {
    ClusterTopology t =
        ClusterJsonReader.read(
            "{\"members\": [{\"name\": \"a\", \"role\": \"leader\", \"state\":"
                + " \"running\", \"host\": \"pg_1\", \"port\": 5432}, {\"name\": \"b\","
                + " \"role\": \"replica\", \"host\": \"fe80::1%eth0\", \"port\": 5432}]}",
            "test");

    assertThat(t.members()).hasSize(2);
    assertThat(t.member("b").orElseThrow().address()).isEqualTo("[fe80::1%eth0]:5432");
  }
}
