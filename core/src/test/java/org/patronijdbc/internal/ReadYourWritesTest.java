package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The floors, tokens and clamps of read-your-writes, without a server. */
class ReadYourWritesTest {

  private static ReadYourWrites scope(ReadYourWrites.Scope scope) {
    return new ReadYourWrites(scope, 1000, new MemberLedger());
  }

  @Test
  void aTokenCarriesThePositionAndWhatIsNotATokenIsIgnored() {
    assertThat(ReadYourWrites.parse("pjrw1:3000060")).containsExactly(0x3000060L, 0L);
    for (String forged :
        new String[] {
          null,
          "",
          "pjrw1:",
          "pjrw1:xyz",
          "pjrw2:10",
          "pjrw1:7fffffffffffffff",
          "pjrw1:ffffffffffffffff",
          "pjrw1:1:2:3",
          "pjrw1:10:zz"
        }) {
      assertThat(ReadYourWrites.parse(forged)).as(forged).containsExactly(0L, 0L);
    }
  }

  @Test
  void leaderOnlyTravelsInTheTokenAndIsBoundedToTenSeconds() {
    ReadYourWrites writes = scope(ReadYourWrites.Scope.THREAD);
    writes.committed(0x500);
    writes.committedAtUnknownPosition();
    String token = writes.token();
    assertThat(token).startsWith("pjrw1:500:");
    long[] carried = ReadYourWrites.parse(token);
    assertThat(carried[0]).isEqualTo(0x500);
    assertThat(carried[1]).isBetween(9_000L, ReadYourWrites.UNKNOWN_COMMIT_MS);

    long aDayAhead = System.currentTimeMillis() + 86_400_000L;
    assertThat(ReadYourWrites.parse("pjrw1:0:" + Long.toHexString(aDayAhead))[1])
        .isLessThanOrEqualTo(ReadYourWrites.UNKNOWN_COMMIT_MS);

    ReadYourWrites elsewhere = scope(ReadYourWrites.Scope.THREAD);
    Runnable end = elsewhere.readAfter(token);
    assertThat(elsewhere.floor()).isEqualTo(Long.MAX_VALUE); // only the leader will do
    end.run();
    assertThat(elsewhere.floor()).isZero();
  }

  @Test
  void theDataSourceFloorIsLoweredOnlyWhileItIsTheOneTheReadSaw() {
    ReadYourWrites writes = scope(ReadYourWrites.Scope.DATA_SOURCE);
    writes.committed(1_000);
    long seen = writes.floor();
    writes.committed(2_000); // another thread commits while the read is served by the leader
    writes.clampTo(seen, 900); // the leader had 900: a position lost, but not the new commit's
    assertThat(writes.floor()).isEqualTo(2_000);
    writes.clampTo(2_000, 1_500);
    assertThat(writes.floor()).isEqualTo(1_500);
  }

  @Test
  void threadFloorsAreThreadsOwn() throws Exception {
    ReadYourWrites writes = scope(ReadYourWrites.Scope.THREAD);
    writes.committed(700);
    assertThat(CompletableFuture.supplyAsync(writes::floor).get()).isZero();
    assertThat(writes.floor()).isEqualTo(700);
    Runnable end = writes.startRequest("pjrw1:900");
    assertThat(writes.floor()).isEqualTo(0x900); // a request forgets the thread's earlier ones
    end.run();
    assertThat(writes.floor()).isZero();
  }

  @Test
  void aReplicaAskedBeforeTheLedgerForgotDoesNotRefillIt() {
    MemberLedger ledger = new MemberLedger();
    long generation = ledger.replayedGeneration();
    ledger.noteReplayed("n2", 5_000, generation);
    assertThat(ledger.replayed("n2")).isEqualTo(5_000);
    ledger.forgetReplayed(); // a new timeline
    ledger.noteReplayed("n2", 6_000, generation); // an answer to a question asked before
    assertThat(ledger.replayed("n2")).isZero();
  }
}
