package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/**
 * Random and hostile input never escapes as an unchecked exception: URLs give a config or an
 * SQLException with SQLState 22023; /cluster bodies give a sane topology or an IOException.
 */
class HostileInputProperties {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Property(tries = 500)
  void anyUrlGivesAConfigOrA22023(@ForAll("urls") String url) {
    try {
      PatroniConfig config = PatroniConfig.parse(url, new Properties());
      assertThat(config.hosts()).isNotEmpty();
      assertThat(config.endpoints()).isNotEmpty();
      for (String host : config.hosts()) {
        int port = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
        assertThat(port).isBetween(1, 65535);
      }
    } catch (SQLException e) {
      assertThat(e.getSQLState()).isEqualTo("22023");
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 500)
  void anyClusterBodyGivesASaneTopologyOrAnIoException(@ForAll("bodies") String body) {
    try {
      ClusterTopology t = ClusterJsonReader.read(body, "property");
      Set<String> names = new HashSet<>();
      for (ClusterMember m : t.members()) {
        assertThat(names.add(m.name())).as("unique names").isTrue();
        assertThat(m.port()).isBetween(1, 65535);
        assertThat(m.host()).isNotBlank();
      }
      assertThat(t.members().stream().filter(m -> m.role() == MemberRole.LEADER))
          .hasSizeLessThanOrEqualTo(1);
    } catch (IOException expected) {
      // not Patroni JSON: the monitor logs it and asks another member
    }
  }

  @Provide
  Arbitrary<String> urls() {
    Arbitrary<String> host =
        Arbitraries.oneOf(
            Arbitraries.of(
                "127.0.0.1", "localhost", "db-1.example", "[::1]", "", " ", "a b", "%", "h:"),
            Arbitraries.strings().ofMaxLength(20));
    Arbitrary<String> port =
        Arbitraries.oneOf(
            Arbitraries.integers().between(-70000, 140000).map(String::valueOf),
            Arbitraries.of("", "x", "99999999999999999999", "5432"));
    Arbitrary<String> hostPort =
        Combinators.combine(host, port, Arbitraries.of(true, false))
            .as((h, p, withPort) -> withPort ? h + ":" + p : h);
    Arbitrary<String> param =
        Combinators.combine(
                Arbitraries.of(
                    "targetServerType",
                    "patroniPort",
                    "patroniUrls",
                    "maxReplicationLag",
                    "topologyRefreshMs",
                    "failoverTimeoutMs",
                    "readFallbackToPrimary",
                    "replicaSelection",
                    "discoverMembers",
                    "patroniSslCert",
                    "password",
                    "x"),
                Arbitraries.oneOf(
                    Arbitraries.strings().ofMaxLength(30),
                    Arbitraries.of(
                        "primary", "16MB", "-1", "0", "http://h:1", "true", "1e9", "%zz")))
            .as((k, v) -> k + "=" + v);
    Arbitrary<String> structured =
        Combinators.combine(
                Arbitraries.of(
                    "jdbc:patroni:postgresql://",
                    "jdbc:patroni:postgresql:",
                    "jdbc:patroni:",
                    "jdbc:postgresql://"),
                hostPort.list().ofMinSize(0).ofMaxSize(4),
                Arbitraries.strings().ofMaxLength(10),
                param.list().ofMaxSize(4))
            .as(
                (prefix, hosts, db, params) ->
                    prefix
                        + String.join(",", hosts)
                        + "/"
                        + db
                        + (params.isEmpty() ? "" : "?" + String.join("&", params)));
    return Arbitraries.oneOf(structured, Arbitraries.strings().ofMaxLength(200));
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<Object> scalar =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
            Arbitraries.integers().between(-100000, 100000).map(i -> (Object) i),
            Arbitraries.longs().map(l -> (Object) l),
            Arbitraries.of((Object) true, (Object) "unknown", (Object) "leader", (Object) 1.5e300));
    Arbitrary<Map<String, Object>> member =
        Combinators.combine(
                Arbitraries.of("n1", "n2", "n1", "", "x").map(s -> (Object) s),
                Arbitraries.of(
                        "leader",
                        "replica",
                        "sync_standby",
                        "master",
                        "primary",
                        "standby_leader",
                        "quorum_standby",
                        "bogus")
                    .map(s -> (Object) s),
                Arbitraries.oneOf(
                    scalar, Arbitraries.of((Object) "127.0.0.1", (Object) "localhost")),
                Arbitraries.oneOf(
                    scalar, Arbitraries.integers().between(0, 70000).map(i -> (Object) i)),
                Arbitraries.oneOf(scalar, Arbitraries.of((Object) "running", (Object) "streaming")),
                scalar)
            .as(
                (name, role, h, p, state, lag) ->
                    Map.of(
                        "name", name, "role", role, "host", h, "port", p, "state", state, "lag",
                        lag));
    Arbitrary<String> cluster =
        member
            .list()
            .ofMaxSize(6)
            .map(
                members -> {
                  try {
                    return JSON.writeValueAsString(Map.of("members", members));
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
    Arbitrary<String> deep =
        Arbitraries.integers()
            .between(1, 3000)
            .map(n -> "{\"members\": " + "[".repeat(n) + "]".repeat(n) + "}");
    Arbitrary<String> huge =
        Arbitraries.integers()
            .between(1, 4)
            .map(n -> "{\"members\": [], \"x\": \"" + "a".repeat(n * 40000) + "\"}");
    return Arbitraries.oneOf(cluster, deep, huge, Arbitraries.strings().ofMaxLength(300));
  }
}
