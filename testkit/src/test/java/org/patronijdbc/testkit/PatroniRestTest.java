package org.patronijdbc.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatroniRestTest {

  /** What Patroni 3.0.2 answered on this machine right after a switchover. */
  private static final String CLUSTER_AFTER_SWITCHOVER =
      """
      {"members": [
        {"name": "n1", "role": "replica", "state": "stopping", "api_url": "http://127.0.0.1:18001/patroni",
         "host": "127.0.0.1", "port": 15431, "lag": "unknown"},
        {"name": "n2", "role": "leader", "state": "running", "api_url": "http://127.0.0.1:18002/patroni",
         "host": "127.0.0.1", "port": 15432, "timeline": 2},
        {"name": "n3", "role": "replica", "state": "running", "api_url": "http://127.0.0.1:18003/patroni",
         "host": "127.0.0.1", "port": 15433, "timeline": 1, "lag": 0, "tags": {"noloadbalance": true}}
      ]}
      """;

  @Test
  void readsRolesStatesLagAndRestPorts() throws Exception {
    List<Member> members =
        PatroniRest.parseMembers(new ObjectMapper().readTree(CLUSTER_AFTER_SWITCHOVER));

    assertThat(members).extracting(Member::name).containsExactly("n1", "n2", "n3");
    Member n1 = members.get(0);
    assertThat(n1.isReplica()).isTrue();
    assertThat(n1.isRunning()).isFalse();
    assertThat(n1.lag()).isEmpty();
    assertThat(n1.timeline()).isEqualTo(-1);
    Member n2 = members.get(1);
    assertThat(n2.isLeader()).isTrue();
    assertThat(n2.restPort()).isEqualTo(18002);
    assertThat(n2.pgPort()).isEqualTo(15432);
    assertThat(n2.restUrl()).isEqualTo("http://127.0.0.1:18002");
    Member n3 = members.get(2);
    assertThat(n3.lag()).isEqualTo(Optional.of(0L));
    assertThat(n3.tags()).containsEntry("noloadbalance", true);
  }
}
