package dev.podis.server.commands;

import java.util.Comparator;

/**
 * Redis's pqsort (pqsort.c: NetBSD's qsort, Bentley and McIlroy's three-way quicksort, changed to
 * skip the partitions outside a wanted range; as in Redis 7, without the switch to insertion sort
 * when a partition made no swaps), step for step: SORT with BY and LIMIT and the geo
 * searches with COUNT use it, and elements that compare equal end up in the same places as in
 * Redis only when the same swaps are made.
 */
final class PartialSort {
    private PartialSort() {
    }

    /**
     * Sorts enough of {@code v[0..n)} that positions {@code lo..hi} hold what a full sort would
     * put there.
     */
    static <T> void sort(T[] v, int n, Comparator<? super T> cmp, int lo, int hi) {
        sort(v, 0, n, cmp, lo, hi);
    }

    private static <T> void sort(T[] v, int a, int n, Comparator<? super T> cmp, int lo, int hi) {
        while (true) {
            if (n < 7) {
                insertionSort(v, a, n, cmp);
                return;
            }
            int pm = a + n / 2;
            if (n > 7) {
                int pl = a;
                int pn = a + n - 1;
                if (n > 40) {
                    int d = n / 8;
                    pl = median3(v, pl, pl + d, pl + 2 * d, cmp);
                    pm = median3(v, pm - d, pm, pm + d, cmp);
                    pn = median3(v, pn - 2 * d, pn - d, pn, cmp);
                }
                pm = median3(v, pl, pm, pn, cmp);
            }
            swap(v, a, pm);
            int pa = a + 1;
            int pb = pa;
            int pc = a + n - 1;
            int pd = pc;
            while (true) {
                int r;
                while (pb <= pc && (r = cmp.compare(v[pb], v[a])) <= 0) {
                    if (r == 0) {
                        swap(v, pa, pb);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (r = cmp.compare(v[pc], v[a])) >= 0) {
                    if (r == 0) {
                        swap(v, pc, pd);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) {
                    break;
                }
                swap(v, pb, pc);
                pb++;
                pc--;
            }
            int pn = a + n;
            int r = Math.min(pa - a, pb - pa);
            swapRanges(v, a, pb - r, r);
            r = Math.min(pd - pc, pn - pd - 1);
            swapRanges(v, pb, pn - r, r);
            r = pb - pa;
            if (r > 1 && overlaps(a, r, lo, hi)) {
                sort(v, a, r, cmp, lo, hi);
            }
            r = pd - pc;
            if (r <= 1) {
                return;
            }
            a = pn - r;
            n = r;
            if (!overlaps(a, n, lo, hi)) {
                return;
            }
        }
    }

    private static <T> void insertionSort(T[] v, int a, int n, Comparator<? super T> cmp) {
        for (int m = a + 1; m < a + n; m++) {
            for (int l = m; l > a && cmp.compare(v[l - 1], v[l]) > 0; l--) {
                swap(v, l, l - 1);
            }
        }
    }

    /** Whether positions {@code from..from+n-1} meet the wanted range, as pqsort tests it. */
    private static boolean overlaps(int from, int n, int lo, int hi) {
        return !((lo < from && hi < from) || (lo >= from + n && hi >= from + n));
    }

    private static <T> int median3(T[] v, int a, int b, int c, Comparator<? super T> cmp) {
        return cmp.compare(v[a], v[b]) < 0
                ? (cmp.compare(v[b], v[c]) < 0 ? b : (cmp.compare(v[a], v[c]) < 0 ? c : a))
                : (cmp.compare(v[b], v[c]) > 0 ? b : (cmp.compare(v[a], v[c]) < 0 ? a : c));
    }

    private static <T> void swap(T[] v, int i, int j) {
        T t = v[i];
        v[i] = v[j];
        v[j] = t;
    }

    private static <T> void swapRanges(T[] v, int i, int j, int n) {
        for (int k = 0; k < n; k++) {
            swap(v, i + k, j + k);
        }
    }
}
