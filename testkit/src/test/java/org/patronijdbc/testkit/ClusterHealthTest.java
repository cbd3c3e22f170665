package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterHealthTest {

  private static final Set<String> ALL = Set.of("n1", "n2", "n3");

  @Test
  void aQuorumClusterIsNotHealthyWithoutAQuorumStandby() {
    List<Member> view =
        List.of(member("n1", "leader"), member("n2", "replica"), member("n3", "replica"));

    assertThat(ClusterHealth.problem(view, ALL, Set.of(), Optional.of("quorum_standby")))
        .hasValue("no quorum_standby yet");
  }

  @Test
  void aSyncStandbyDoesNotCountForQuorumCommit() {
    List<Member> view =
        List.of(member("n1", "leader"), member("n2", "sync_standby"), member("n3", "replica"));

    assertThat(ClusterHealth.problem(view, ALL, Set.of(), Optional.of("quorum_standby")))
        .hasValue("no quorum_standby yet");
  }

  @Test
  void oneQuorumStandbyIsEnoughToGoOnToTheSqlChecks() {
    List<Member> view =
        List.of(member("n1", "leader"), member("n2", "quorum_standby"), member("n3", "replica"));

    // nothing listens on the members' ports: the role check passed, the SQL check is next
    assertThat(ClusterHealth.problem(view, ALL, Set.of(), Optional.of("quorum_standby")))
        .hasValueSatisfying(why -> assertThat(why).startsWith("a member does not answer SQL"));
  }

  private static Member member(String name, String role) {
    boolean leader = role.equals("leader");
    return new Member(
        name,
        "127.0.0.1",
        1, // no PostgreSQL listens on port 1: a connect is refused at once
        8008,
        "http://127.0.0.1:8008",
        role,
        leader ? "running" : "streaming",
        1,
        leader ? Optional.empty() : Optional.of(0L),
        Map.of());
  }
}
