BEGIN { srand(7); for (i = 1; i <= 1000000; i++) { n = 20 + int(rand() * 150); s = sprintf("%09d 2026-11-30T03:00:00Z INFO req ", i); while (length(s) < n) s = s "x"; print s } }
