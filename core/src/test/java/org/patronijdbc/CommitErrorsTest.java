package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class CommitErrorsTest {

  private static PatroniConnection failingCommit(String sqlState) {
    Connection delegate =
        (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("commit")) {
                    throw new SQLException("pgjdbc says " + sqlState, sqlState);
                  }
                  return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    return new PatroniConnection(
        delegate, "n1", false, "jdbc:patroni:postgresql://h/db", null, () -> {});
  }

  private static String stateOfCommit(String pgjdbcState) {
    return ((SQLException) catchThrowable(() -> failingCommit(pgjdbcState).commit())).getSQLState();
  }

  @Test
  void aConnectionClosedBeforeCommitStays08003() {
    assertThat(stateOfCommit("08003")).isEqualTo("08003");
  }

  @Test
  void anIoFailureDuringCommitIs08007() {
    assertThat(stateOfCommit("08006")).isEqualTo("08007");
    assertThat(stateOfCommit("08001")).isEqualTo("08007");
  }

  @Test
  void aSessionTheServerEndedDuringCommitIs08007() {
    // a terminating backend completes a COMMIT it began, then sends FATAL 57P01 instead of "COMMIT"
    assertThat(stateOfCommit("57P01")).isEqualTo("08007");
    assertThat(stateOfCommit("57P02")).isEqualTo("08007");
  }

  @Test
  void theServersOwnAnswerToCommitIsKept() {
    assertThat(stateOfCommit("40001")).isEqualTo("40001");
    assertThat(stateOfCommit("25006")).isEqualTo("25006");
  }
}
