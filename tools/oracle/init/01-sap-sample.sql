-- A small SAP-like schema for db-extractor's Oracle integration test (docker compose only:
-- no Oracle server runs on the project's CI machines). Tables and columns follow SAP naming:
-- MANDT is the client, DATS are YYYYMMDD strings ('00000000' = no date), TIMS are HHMMSS,
-- NUMC are digit strings with leading zeros.
ALTER SESSION SET CONTAINER = FREEPDB1;
CREATE USER sapsr3 IDENTIFIED BY sapsr3 QUOTA UNLIMITED ON USERS;
GRANT CREATE SESSION, CREATE TABLE TO sapsr3;

CREATE TABLE sapsr3.mara (
  mandt VARCHAR2(3) NOT NULL,
  matnr VARCHAR2(18) NOT NULL,
  ersda VARCHAR2(8) NOT NULL,
  mtart VARCHAR2(4),
  meins VARCHAR2(3),
  brgew NUMBER(13, 3),
  laeda VARCHAR2(8),
  CONSTRAINT mara_pk PRIMARY KEY (mandt, matnr)
);

CREATE TABLE sapsr3.afru (
  mandt VARCHAR2(3) NOT NULL,
  rueck VARCHAR2(10) NOT NULL,
  rmzhl VARCHAR2(8) NOT NULL,
  ersda VARCHAR2(8) NOT NULL,
  erzet VARCHAR2(6) NOT NULL,
  aufnr VARCHAR2(12),
  lmnga NUMBER(13, 3),
  ism01 NUMBER(13, 3),
  aedat TIMESTAMP WITH TIME ZONE,
  ltxa1 CLOB,
  CONSTRAINT afru_pk PRIMARY KEY (mandt, rueck, rmzhl)
);

-- Controlling documents: COBK the header (posting date), COEP the line items (amounts).
CREATE TABLE sapsr3.cobk (
  mandt VARCHAR2(3) NOT NULL,
  kokrs VARCHAR2(4) NOT NULL,
  belnr VARCHAR2(10) NOT NULL,
  gjahr VARCHAR2(4) NOT NULL,
  budat VARCHAR2(8) NOT NULL,
  vrgng VARCHAR2(4),
  CONSTRAINT cobk_pk PRIMARY KEY (mandt, kokrs, belnr)
);

CREATE TABLE sapsr3.coep (
  mandt VARCHAR2(3) NOT NULL,
  kokrs VARCHAR2(4) NOT NULL,
  belnr VARCHAR2(10) NOT NULL,
  buzei VARCHAR2(3) NOT NULL,
  perio VARCHAR2(3) NOT NULL,
  gjahr VARCHAR2(4) NOT NULL,
  objnr VARCHAR2(22) NOT NULL,
  kstar VARCHAR2(10) NOT NULL,
  wrttp VARCHAR2(2) NOT NULL,
  versn VARCHAR2(3) NOT NULL,
  wkgbtr NUMBER(15, 2) NOT NULL,
  CONSTRAINT coep_pk PRIMARY KEY (mandt, kokrs, belnr, buzei)
);

INSERT INTO sapsr3.mara VALUES ('100', '000000000000012345', '20260105', 'ROH', 'TO', 1.500, '00000000');
INSERT INTO sapsr3.mara VALUES ('100', '000000000000012346', '20260106', 'ROH', 'TO', 2.250, '20261101');
INSERT INTO sapsr3.mara VALUES ('200', '000000000000099999', '20260107', 'FERT', 'ST', 0.100, '00000000');
INSERT INTO sapsr3.afru VALUES ('100', '0000004711', '00000001', '20261120', '063000', '000001000123', 1250.000, 7.5, SYSTIMESTAMP, 'Bench 4 blast hole drilling');
INSERT INTO sapsr3.afru VALUES ('100', '0000004711', '00000002', '20261121', '141500', '000001000123', 980.500, 6.0, SYSTIMESTAMP, NULL);
INSERT INTO sapsr3.cobk VALUES ('100', '1000', '0000100001', '2026', '20261120', 'RKU1');
INSERT INTO sapsr3.coep VALUES ('100', '1000', '0000100001', '001', '011', '2026', 'KS10000000004100', '0000400000', '04', '000', 6000.00);
INSERT INTO sapsr3.coep VALUES ('100', '1000', '0000100001', '002', '011', '2026', 'KS10000000004100', '0000410000', '04', '000', 1501.50);
COMMIT;
