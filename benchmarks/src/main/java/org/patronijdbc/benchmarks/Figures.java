package org.patronijdbc.benchmarks;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one method showed in one failover scenario.
 *
 * @param writeOutageMs the longest time without a successful write
 * @param failedWrites writes that failed, misrouted ones included
 * @param misroutedWrites writes that reached a read-only member (SQLState 25006)
 * @param lostWrites acknowledged writes the leader does not have once the cluster is healthy again
 * @param readOutageMs the longest time without a successful read
 * @param failedReads reads that failed
 * @param leaderReadPercent share of successful reads the leader served while a replica was fit
 * @param readsPastLagLimit reads a replica answered while it lagged past the limit (the lag
 *     scenarios; 0 elsewhere)
 * @param pastLagLimitForMs from when the replica lagged past the limit to the last read it answered
 *     (0 when none)
 */
public record Figures(
    long writeOutageMs,
    long failedWrites,
    long misroutedWrites,
    long lostWrites,
    long readOutageMs,
    long failedReads,
    double leaderReadPercent,
    long readsPastLagLimit,
    long pastLagLimitForMs) {

  /** Each figure's median over {@code samples}, taken one figure at a time. */
  static Figures median(List<Figures> samples) {
    return new Figures(
        (long) median(samples, Figures::writeOutageMs),
        (long) median(samples, Figures::failedWrites),
        (long) median(samples, Figures::misroutedWrites),
        (long) median(samples, Figures::lostWrites),
        (long) median(samples, Figures::readOutageMs),
        (long) median(samples, Figures::failedReads),
        median(samples, Figures::leaderReadPercent),
        (long) median(samples, Figures::readsPastLagLimit),
        (long) median(samples, Figures::pastLagLimitForMs));
  }

  static <T> double median(List<T> samples, ToDoubleFunction<T> figure) {
    double[] values = samples.stream().mapToDouble(figure).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}
