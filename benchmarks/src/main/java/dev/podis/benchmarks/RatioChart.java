package dev.podis.benchmarks;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws the side-by-side benchmark's Podis/Redis throughput ratios as a PNG bar chart: one bar
 * per test and pipeline depth, with a line at 1.0 (above it Podis is faster). Reads the CSV that
 * {@code benchmarks/side-by-side/compare.py} writes (columns {@code test}, {@code pipeline},
 * {@code ratio}; others are ignored), which calls it as
 * {@code java -cp benchmarks/target/benchmarks.jar dev.podis.benchmarks.RatioChart in.csv out.png [title]}.
 */
public final class RatioChart {
    private RatioChart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: RatioChart <results.csv> <chart.png> [title]");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        String title = args.length == 3 ? args[2] : "Podis / Redis throughput";
        JFreeChart chart = chart(read(Path.of(args[0])), title);
        int width = Math.max(800, 70 * chart.getCategoryPlot().getDataset().getColumnCount() + 200);
        ChartUtils.saveChartAsPNG(new File(args[1]), chart, width, 500);
    }

    /** The ratios of {@code csv} by series ("-P n") and test, in file order. */
    static DefaultCategoryDataset read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(csv + " is empty");
        }
        List<String> header = fields(lines.get(0));
        int test = column(header, "test", csv);
        int pipeline = column(header, "pipeline", csv);
        int ratio = column(header, "ratio", csv);
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = fields(line);
            data.addValue(Double.parseDouble(f.get(ratio)), "-P " + f.get(pipeline), f.get(test));
        }
        return data;
    }

    static JFreeChart chart(DefaultCategoryDataset data, String title) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, "Podis / Redis (higher: Podis faster)", data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ValueMarker parity = new ValueMarker(1.0, Color.RED, new BasicStroke(2f));
        parity.setLabel("Redis = 1.0");
        parity.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        parity.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(parity);
        // Keep the 1.0 line in view even when every ratio is below it.
        plot.getRangeAxis().setLowerBound(0);
        double max = 1.0;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number v = data.getValue(r, c);
                if (v != null) {
                    max = Math.max(max, v.doubleValue());
                }
            }
        }
        plot.getRangeAxis().setUpperBound(max * 1.15);
        CategoryAxis axis = plot.getDomainAxis();
        axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, new Color(0x4C72B0));
        bars.setSeriesPaint(1, new Color(0xDD8452));
        bars.setSeriesPaint(2, new Color(0x55A868));
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        bars.setDefaultItemLabelsVisible(true);
        return chart;
    }

    private static int column(List<String> header, String name, Path csv) throws IOException {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IOException(csv + ": no column '" + name + "' in " + header);
        }
        return i;
    }

    /** One CSV line's fields (RFC 4180 quoting: "a, b" and "" inside quotes). */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
