-- numhealth schema, version 4.
-- Recorded scores keep every component: `trend` (the rising failure rate) joins the others.
-- Runs recorded before version 4 did not keep it and read as NULL.

ALTER TABLE scores ADD COLUMN trend REAL;
