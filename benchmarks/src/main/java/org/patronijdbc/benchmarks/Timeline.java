package org.patronijdbc.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG timeline of one scenario: successful writes and reads per 100 ms of every method, time in
 * seconds from the event, the event marked at 0.
 */
final class Timeline {

  private static final long BUCKET_NANOS = 100_000_000L;

  private Timeline() {}

  static void write(Path png, String title, List<Load> loads, long from, Scenario.Event event)
      throws IOException {
    XYChart writes = chart(title + ": successful writes per 100 ms", 1);
    XYChart reads = chart(title + ": successful reads per 100 ms", 2);
    for (Load load : loads) {
      List<Load.Op> ops = load.ops(from, event.untilNanos());
      series(writes, load.method().name(), ops, true, from, event);
      series(reads, load.method().name(), ops, false, from, event);
    }
    BitmapEncoder.saveBitmap(
        List.of(writes, reads), 2, 1, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, int row) {
    XYChart chart =
        new XYChartBuilder()
            .width(1000)
            .height(330)
            .title(title)
            .xAxisTitle("seconds from the event")
            .yAxisTitle(row == 1 ? "writes" : "reads")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(13f));
    chart.getStyler().setXAxisTickMarkSpacingHint(120);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.addAnnotation(new AnnotationLine(0, true, false));
    return chart;
  }

  private static void series(
      XYChart chart, String name, List<Load.Op> ops, boolean write, long from, Scenario.Event e) {
    int buckets = (int) ((e.untilNanos() - from) / BUCKET_NANOS) + 1;
    int[] counts = new int[buckets];
    for (Load.Op o : ops) {
      if (o.write() == write && o.ok()) {
        counts[(int) ((o.endNanos() - from) / BUCKET_NANOS)]++;
      }
    }
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (int i = 0; i < buckets; i++) {
      x.add((from + i * BUCKET_NANOS - e.atNanos()) / 1e9);
      y.add((double) counts[i]);
    }
    // whole seconds at the axis' ends, so the ticks land on whole seconds
    chart.getStyler().setXAxisMin(Math.floor(x.get(0)));
    chart.getStyler().setXAxisMax(Math.ceil(x.get(x.size() - 1)));
    XYSeries s = chart.addSeries(name, x, y);
    s.setMarker(SeriesMarkers.NONE);
  }
}
