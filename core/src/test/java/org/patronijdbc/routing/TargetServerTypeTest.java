package org.patronijdbc.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class TargetServerTypeTest {

  @Test
  void acceptsOurPgjdbcsAndLibpqsSpellings() throws Exception {
    assertThat(TargetServerType.fromString("primary")).isEqualTo(TargetServerType.PRIMARY);
    assertThat(TargetServerType.fromString("master")).isEqualTo(TargetServerType.PRIMARY);
    assertThat(TargetServerType.fromString("read-write")).isEqualTo(TargetServerType.PRIMARY);
    assertThat(TargetServerType.fromString("replica")).isEqualTo(TargetServerType.REPLICA);
    assertThat(TargetServerType.fromString("secondary")).isEqualTo(TargetServerType.REPLICA);
    assertThat(TargetServerType.fromString("standby")).isEqualTo(TargetServerType.REPLICA);
    assertThat(TargetServerType.fromString("read-only")).isEqualTo(TargetServerType.REPLICA);
    assertThat(TargetServerType.fromString("preferSecondary"))
        .isEqualTo(TargetServerType.PREFER_REPLICA);
    assertThat(TargetServerType.fromString("prefer-standby"))
        .isEqualTo(TargetServerType.PREFER_REPLICA);
    assertThat(TargetServerType.fromString("PreferPrimary"))
        .isEqualTo(TargetServerType.PREFER_PRIMARY);
    assertThat(TargetServerType.fromString("any")).isEqualTo(TargetServerType.ANY);
    assertThat(TargetServerType.fromString("syncReplica")).isEqualTo(TargetServerType.SYNC_REPLICA);
  }

  @Test
  void rejectsUnknownTargetServerType() {
    assertThatThrownBy(() -> TargetServerType.fromString("leader"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("targetServerType")
        .hasMessageContaining("'leader'")
        .hasMessageContaining("primary, replica, preferReplica, preferPrimary, any, syncReplica");
  }
}
