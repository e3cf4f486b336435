package dev.podis.benchmarks;

import org.jfree.data.category.DefaultCategoryDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatioChartTest {
    // The header compare.py writes, a quoted custom label with a comma and a quote in it.
    private static final String CSV = String.join("\n",
            "test,pipeline,redis_rps,podis_rps,ratio,ratio_min,ratio_max,redis_p50_ms,podis_p50_ms,redis_p99_ms,podis_p99_ms",
            "GET,1,50000,45000,0.9,0.8,1.0,0.5,0.6,1.2,1.5",
            "GET,16,400000,480000,1.2,1.1,1.3,1.5,1.2,4.0,3.0",
            "\"evalsha, \"\"incr\"\"\",16,100000,150000,1.5,1.4,1.6,,,,",
            "");

    @Test
    void readsOneRatioPerTestAndPipeline(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("r.csv"), CSV);
        DefaultCategoryDataset data = RatioChart.read(csv);
        assertEquals(List.of("-P 1", "-P 16"), data.getRowKeys());
        assertEquals(List.of("GET", "evalsha, \"incr\""), data.getColumnKeys());
        assertEquals(0.9, data.getValue("-P 1", "GET").doubleValue());
        assertEquals(1.2, data.getValue("-P 16", "GET").doubleValue());
        assertEquals(1.5, data.getValue("-P 16", "evalsha, \"incr\"").doubleValue());
        assertEquals(null, data.getValue("-P 1", "evalsha, \"incr\""));
    }

    @Test
    void writesAPngWithTheParityLine(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("r.csv"), CSV);
        Path png = dir.resolve("r.png");
        RatioChart.main(new String[] {csv.toString(), png.toString(), "title"});
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
        // the 1.0 line is drawn in pure red across the plot
        int red = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                red += (image.getRGB(x, y) & 0xFFFFFF) == 0xFF0000 ? 1 : 0;
            }
        }
        assertTrue(red > 400, "red pixels: " + red);
    }

    @Test
    void aMissingColumnIsAnError(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("r.csv"), "test,pipeline\nGET,1\n");
        IOException e = assertThrows(IOException.class, () -> RatioChart.read(csv));
        assertTrue(e.getMessage().contains("'ratio'"), e.getMessage());
    }
}
