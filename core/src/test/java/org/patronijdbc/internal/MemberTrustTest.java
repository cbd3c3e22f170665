package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/**
 * A REST answer can only send connections to hosts the configuration allows, and members are
 * reached where the user said.
 */
class MemberTrustTest {

  private static ClusterMember member(String name, String host, int port) {
    return new ClusterMember(
        name, MemberRole.REPLICA, "streaming", host, port, 1, OptionalLong.of(0), Map.of(), "");
  }

  private static MemberTrust trust(String url, Set<String> resolved) throws Exception {
    return MemberTrust.of(MonitorKey.of(PatroniConfig.parse(url, new Properties())), resolved);
  }

  @Test
  void onlyTheUrlsHostsByDefaultWithOrWithoutDiscovery() throws Exception {
    String url = "jdbc:patroni:postgresql://127.0.0.1:5432,db1.example:5432/db";
    MemberTrust discovering = trust(url, Set.of("127.1.2.3"));
    MemberTrust listedOnly = trust(url + "?discoverMembers=false", Set.of("127.1.2.3"));

    for (MemberTrust t : List.of(discovering, listedOnly)) {
      assertThat(t.whyRefused(member("n1", "127.0.0.1", 5433))).isEmpty(); // another port
      assertThat(t.whyRefused(member("n2", "DB1.example", 5432))).isEmpty(); // any case
      assertThat(t.whyRefused(member("n3", "127.1.2.3", 5432))).isEmpty(); // db1.example's
      assertThat(t.whyRefused(member("n4", "127.0.0.2", 5432))).isPresent();
      assertThat(t.whyRefused(member("n5", "evil.example", 5432))).isPresent();
    }
    assertThat(discovering.whyRefused(member("n4", "127.0.0.2", 1)).get()).contains("memberHosts");
    assertThat(listedOnly.whyRefused(member("n4", "127.0.0.2", 1)).get())
        .contains("discoverMembers=false");
  }

  @Test
  void memberHostsAllowsNamesSuffixesAndCidrRangesWithDiscoveryOnly() throws Exception {
    String hosts = "memberHosts=pg_4,*.db.example,127.64.0.0/10,fd00::/8";
    MemberTrust t = trust("jdbc:patroni:postgresql://127.0.0.1:5432/db?" + hosts, Set.of());
    MemberTrust off =
        trust(
            "jdbc:patroni:postgresql://127.0.0.1:5432/db?discoverMembers=false&" + hosts, Set.of());

    assertThat(t.whyRefused(member("a", "pg_4", 5432))).isEmpty();
    assertThat(t.whyRefused(member("b", "n7.db.example", 5432))).isEmpty();
    assertThat(t.whyRefused(member("c", "db.example", 5432))).isPresent(); // not a subdomain
    assertThat(t.whyRefused(member("d", "x.db.example.evil", 5432))).isPresent();
    assertThat(t.whyRefused(member("e", "127.100.3.4", 5432))).isEmpty();
    assertThat(t.whyRefused(member("f", "127.200.0.1", 5432))).isPresent();
    assertThat(t.whyRefused(member("g", "fd12::5", 5432))).isEmpty();
    assertThat(t.whyRefused(member("h", "fe80::1%eth0", 5432))).isPresent();
    assertThat(off.whyRefused(member("e", "127.100.3.4", 5432))).isPresent();
  }

  @Test
  void answersFromHttpsEndpointsAreTrustedForAnyHost() throws Exception {
    MemberTrust t =
        trust(
            "jdbc:patroni:postgresql://127.0.0.1:5432/db?patroniUrls=https://127.0.0.1:8008",
            Set.of());

    assertThat(t.whyRefused(member("n9", "127.9.9.9", 5432))).isEmpty();
  }

  @Test
  void aMappedMemberIsAllowedWhereverPatroniReportsIt() throws Exception {
    MemberTrust t =
        trust(
            "jdbc:patroni:postgresql://127.0.0.1:6432/db?discoverMembers=false"
                + "&memberAddresses=n1=127.0.0.1:6432,127.18.0.3:5432=127.0.0.1:6433",
            Set.of());

    assertThat(t.whyRefused(member("n1", "127.18.0.2", 5432))).isEmpty();
    assertThat(t.whyRefused(member("n2", "127.18.0.3", 5432))).isEmpty();
    assertThat(t.whyRefused(member("n3", "127.18.0.4", 5432))).isPresent();
  }

  @Test
  void badMemberHostsAndMemberAddressesAreConfigurationErrors() {
    assertThatThrownBy(
            () ->
                PatroniConfig.parse(
                    "jdbc:patroni:postgresql://h/db?memberHosts=127.0.0.0/99", null))
        .hasMessageContaining("memberHosts");
    assertThatThrownBy(
            () -> PatroniConfig.parse("jdbc:patroni:postgresql://h/db?memberHosts=a%20b", null))
        .hasMessageContaining("memberHosts");
    assertThatThrownBy(
            () -> PatroniConfig.parse("jdbc:patroni:postgresql://h/db?memberAddresses=n1", null))
        .hasMessageContaining("memberAddresses");
    assertThatThrownBy(
            () ->
                PatroniConfig.parse(
                    "jdbc:patroni:postgresql://h/db?memberAddresses=n1=h:99999", null))
        .hasMessageContaining("memberAddresses");
  }

  private static ClusterTopology topology(ClusterMember... members) {
    return new ClusterTopology(
        "t", List.of(members), Instant.now(), ClusterTopology.Source.PATRONI);
  }

  private static MemberAddresses addresses(String url, Map<String, Set<String>> resolved)
      throws Exception {
    return new MemberAddresses(PatroniConfig.parse(url, new Properties()), resolved);
  }

  @Test
  void aMemberIsReachedWhereTheUserSaid() throws Exception {
    ClusterMember n1 = member("n1", "127.0.1.1", 5432);
    ClusterMember n2 = member("n2", "127.0.1.2", 5432);
    ClusterMember n3 = member("n3", "127.0.1.3", 5432);
    ClusterTopology t = topology(n1, n2, n3);
    MemberAddresses a =
        addresses(
            "jdbc:patroni:postgresql://127.0.1.1:5432,pgb2.example:6432/db"
                + "?memberAddresses=n3=127.0.0.1:7003",
            Map.of("pgb2.example", Set.of("127.0.1.2")));

    assertThat(a.of(n1, t)).isEqualTo("127.0.1.1:5432"); // listed as reported
    assertThat(a.of(n2, t)).isEqualTo("pgb2.example:6432"); // a PgBouncer beside it
    assertThat(a.of(n3, t)).isEqualTo("127.0.0.1:7003"); // mapped
    assertThat(a.isRedirected(n1, t)).isFalse();
    assertThat(a.isRedirected(n2, t)).isTrue();
  }

  @Test
  void severalMembersOnOneHostKeepMatchingByPort() throws Exception {
    ClusterMember n1 = member("n1", "127.0.0.1", 5432);
    ClusterMember n2 = member("n2", "127.0.0.1", 5433);
    ClusterTopology t = topology(n1, n2);
    MemberAddresses a = addresses("jdbc:patroni:postgresql://127.0.0.1:6432/db", Map.of());

    assertThat(a.of(n1, t)).isEqualTo("127.0.0.1:5432");
    assertThat(a.of(n2, t)).isEqualTo("127.0.0.1:5433");
  }
}
