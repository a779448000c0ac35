#!/bin/sh
# Regenerates proj_points.txt: a grid of EPSG:2277 (NAD83 / Texas Central,
# US survey feet) points over and around Austin, converted by PROJ's cs2cs
# to EPSG:4326 (output order: latitude longitude, degrees).
# Requires proj-bin (Debian: apt-get install -y proj-bin); made with PROJ 9.1.1.
set -eu
cd "$(dirname "$0")"
{
	echo "# x_ftUS y_ftUS lat lon  -- made by testdata/make_proj_points.sh:"
	echo "# cs2cs -f %.12f EPSG:2277 EPSG:4326 ($(cs2cs 2>&1 | head -1 | tr -d '\n'))"
	{
		# grid over and around Austin, 25,000 ft steps
		x=2800000
		while [ $x -le 3400000 ]; do
			y=9850000
			while [ $y -le 10350000 ]; do
				echo "$x $y"
				y=$((y + 25000))
			done
			x=$((x + 25000))
		done
		# odd fractions, the false origin, far corners of the zone
		echo "3114567.891 10070123.456"
		echo "3093512.25 10080915.5"
		echo "2296583.333 9842500"
		echo "1000000 9000000"
		echo "4000000 11000000"
		echo "3500000.5 10500000.25"
	} | while read -r x y; do
		printf '%s %s ' "$x" "$y"
		echo "$x $y" | cs2cs -f %.12f EPSG:2277 EPSG:4326 | awk '{print $1, $2}'
	done
} >proj_points.txt
